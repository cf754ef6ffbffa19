"""TaskOverflow's REST API service."""
