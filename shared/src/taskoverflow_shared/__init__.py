"""The contract between TaskOverflow's services: nothing here is specific to one service."""
