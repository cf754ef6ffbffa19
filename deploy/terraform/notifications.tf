# Two topics: users' job notifications (the notifier publishes) and operators' alarms.

resource "aws_sns_topic" "notifications" {
  name              = "${var.name}-notifications"
  kms_master_key_id = aws_kms_key.main.arn
}

resource "aws_sns_topic_subscription" "notification_emails" {
  for_each = toset(var.notification_emails)

  topic_arn = aws_sns_topic.notifications.arn
  protocol  = "email"
  endpoint  = each.value
}

resource "aws_sns_topic" "operations" {
  name              = "${var.name}-operations"
  kms_master_key_id = aws_kms_key.main.arn
}

resource "aws_sns_topic_subscription" "operations_emails" {
  for_each = toset(var.operations_emails)

  topic_arn = aws_sns_topic.operations.arn
  protocol  = "email"
  endpoint  = each.value
}
