# The services' queues, named as dramatiq-sqs names them: queue q is {namespace}_q and its
# dead-letter queue {namespace}_q_dlq. The services find them by name and create none.

locals {
  # taskoverflow_shared.routing.ALL_QUEUES; tests/terraform checks the two agree.
  service_queues = toset(["ical", "notifications"])
  queue_names    = { for queue in local.service_queues : queue => "${var.queue_namespace}_${queue}" }

  # dramatiq-sqs's retention for both (14 days, SQS's longest): a dead letter waits for a person.
  message_retention_s = 1209600
}

resource "aws_sqs_queue" "dead_letter" {
  for_each = local.queue_names

  name                      = "${each.value}_dlq"
  message_retention_seconds = local.message_retention_s
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "service" {
  for_each = local.queue_names

  name                      = each.value
  message_retention_seconds = local.message_retention_s
  sqs_managed_sse_enabled   = true
  # The consumers ask for this timeout on every receive too (SQS_VISIBILITY_TIMEOUT).
  visibility_timeout_seconds = var.sqs_visibility_timeout_s

  # Dramatiq dead-letters a message whose retries are spent; SQS itself moves one that
  # keeps coming back (a body no worker can decode, a worker killed during it).
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letter[each.key].arn
    maxReceiveCount     = var.max_receive_count
  })

  lifecycle {
    precondition {
      # Otherwise SQS hands a message still being worked on to a second worker.
      condition     = var.sqs_visibility_timeout_s > max(var.calendar_job_time_limit_s, var.notification_time_limit_s)
      error_message = "sqs_visibility_timeout_s must be longer than every actor's time limit."
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "dead_letters" {
  for_each = local.queue_names

  alarm_name          = "${aws_sqs_queue.dead_letter[each.key].name}-not-empty"
  alarm_description   = "Messages in ${aws_sqs_queue.dead_letter[each.key].name}: jobs that failed for good or could not be read. See the runbook in deploy/terraform/README.md."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.dead_letter[each.key].name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = var.dead_letter_alarm_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.operations.arn]
  ok_actions          = [aws_sns_topic.operations.arn]
}

# The practical's queue demo (tools/queue-demo): a standard queue and a FIFO one.
resource "aws_sqs_queue" "demo_standard" {
  name                    = "csse6400_prac"
  sqs_managed_sse_enabled = true
}

resource "aws_sqs_queue" "demo_fifo" {
  name                        = "csse6400_prac.fifo"
  fifo_queue                  = true
  content_based_deduplication = true
  sqs_managed_sse_enabled     = true
}
