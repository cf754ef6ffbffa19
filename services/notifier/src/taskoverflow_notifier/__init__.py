"""TaskOverflow's notifier: tells a calendar job's end to the SNS topic's subscribers."""
