"""Deploying TaskOverflow to AWS with deploy/terraform: one service at a time, or all three."""

SERVICES = ("api", "calendar-worker", "notifier")
