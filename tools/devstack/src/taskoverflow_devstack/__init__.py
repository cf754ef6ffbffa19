"""Local stand-ins for TaskOverflow's infrastructure, for `make up` and the tests."""
