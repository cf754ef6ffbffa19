"""The todos resource: validation, storage and routes."""
