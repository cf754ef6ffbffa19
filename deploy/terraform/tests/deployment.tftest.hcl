# `terraform test` with a mocked AWS provider (no account, no emulator, a few seconds): the
# names, wiring and permissions the services depend on. tests/terraform applies the same
# configuration to moto's server and reads the result back.

mock_provider "aws" {
  override_during = plan

  mock_data "aws_availability_zones" {
    defaults = { names = ["us-east-1b", "us-east-1a", "us-east-1c"] }
  }

  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }

  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }

  mock_resource "aws_db_instance" {
    defaults = {
      address = "taskoverflow.abc.us-east-1.rds.amazonaws.com"
      port    = 5432
      master_user_secret = [{
        secret_arn    = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1234-AbCdEf"
        kms_key_id    = "alias/aws/secretsmanager"
        secret_status = "active"
      }]
    }
  }

  mock_resource "aws_lb" {
    defaults = {
      arn      = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/taskoverflow/1"
      dns_name = "taskoverflow-1.us-east-1.elb.amazonaws.com"
    }
  }

  # The provider checks that these are ARNs; each instance of a type gets the same one.
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mock" }
  }
  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:us-east-1:123456789012:key/mock" }
  }
  mock_resource "aws_lb_target_group" {
    defaults = { arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/taskoverflow-api/1" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:mock" }
  }
  mock_resource "aws_ecs_cluster" {
    defaults = { arn = "arn:aws:ecs:us-east-1:123456789012:cluster/taskoverflow" }
  }
  mock_resource "aws_ecs_task_definition" {
    defaults = { arn = "arn:aws:ecs:us-east-1:123456789012:task-definition/mock:1" }
  }
  mock_resource "aws_ecr_repository" {
    defaults = { repository_url = "123456789012.dkr.ecr.us-east-1.amazonaws.com/mock" }
  }
}

# Queues and topics get ARNs of their own, so that a policy naming the wrong one fails.
override_resource {
  override_during = plan
  target          = aws_sqs_queue.service["ical"]
  values          = { arn = "arn:aws:sqs:us-east-1:123456789012:taskoverflow_ical" }
}
override_resource {
  override_during = plan
  target          = aws_sqs_queue.service["notifications"]
  values          = { arn = "arn:aws:sqs:us-east-1:123456789012:taskoverflow_notifications" }
}
override_resource {
  override_during = plan
  target          = aws_sqs_queue.dead_letter["ical"]
  values          = { arn = "arn:aws:sqs:us-east-1:123456789012:taskoverflow_ical_dlq" }
}
override_resource {
  override_during = plan
  target          = aws_sqs_queue.dead_letter["notifications"]
  values          = { arn = "arn:aws:sqs:us-east-1:123456789012:taskoverflow_notifications_dlq" }
}
override_resource {
  override_during = plan
  target          = aws_sns_topic.notifications
  values          = { arn = "arn:aws:sns:us-east-1:123456789012:taskoverflow-notifications" }
}
override_resource {
  override_during = plan
  target          = aws_sns_topic.operations
  values          = { arn = "arn:aws:sns:us-east-1:123456789012:taskoverflow-operations" }
}

variables {
  api_image_tag             = "aaaa111"
  calendar_worker_image_tag = "bbbb222"
  notifier_image_tag        = "cccc333"
  notification_emails       = ["ops@example.com", "dev@example.com"]
}

run "queues_are_named_as_the_services_name_them" {
  command = plan

  assert {
    condition     = aws_sqs_queue.service["ical"].name == "taskoverflow_ical" && aws_sqs_queue.service["notifications"].name == "taskoverflow_notifications"
    error_message = "The service queues must be {namespace}_{queue}, as dramatiq-sqs names them."
  }

  assert {
    condition     = aws_sqs_queue.dead_letter["ical"].name == "taskoverflow_ical_dlq" && aws_sqs_queue.dead_letter["notifications"].name == "taskoverflow_notifications_dlq"
    error_message = "Each dead-letter queue must be {namespace}_{queue}_dlq, where dramatiq-sqs dead-letters."
  }

  assert {
    condition     = aws_sqs_queue.demo_standard.name == "csse6400_prac" && aws_sqs_queue.demo_fifo.name == "csse6400_prac.fifo"
    error_message = "The queue demo's queues are csse6400_prac and csse6400_prac.fifo."
  }

  assert {
    condition     = aws_sqs_queue.demo_fifo.fifo_queue && aws_sqs_queue.demo_fifo.content_based_deduplication
    error_message = "The demo's FIFO queue de-duplicates by content."
  }
}

run "every_service_queue_redrives_to_its_own_dead_letter_queue" {
  command = plan

  assert {
    condition = alltrue([
      for queue, q in aws_sqs_queue.service :
      jsondecode(q.redrive_policy).deadLetterTargetArn == aws_sqs_queue.dead_letter[queue].arn
      && jsondecode(q.redrive_policy).maxReceiveCount == 5
    ])
    error_message = "Each queue's redrive policy must name its own dead-letter queue, after 5 receives."
  }

  assert {
    condition     = alltrue([for q in values(aws_sqs_queue.service) : q.visibility_timeout_seconds == 300 && q.sqs_managed_sse_enabled])
    error_message = "Queues: a 300 s visibility timeout (above the actors' time limits) and encryption at rest."
  }

  assert {
    condition     = alltrue([for queue, q in aws_sqs_queue.dead_letter : contains(keys(aws_cloudwatch_metric_alarm.dead_letters[queue].dimensions), "QueueName") && aws_cloudwatch_metric_alarm.dead_letters[queue].dimensions.QueueName == q.name && aws_cloudwatch_metric_alarm.dead_letters[queue].alarm_actions == toset([aws_sns_topic.operations.arn])])
    error_message = "Every dead-letter queue needs an alarm on its depth that notifies the operations topic."
  }
}

run "a_namespace_renames_every_service_queue" {
  command = plan

  variables {
    queue_namespace = "staging"
  }

  assert {
    condition     = toset([for q in values(aws_sqs_queue.service) : q.name]) == toset(["staging_ical", "staging_notifications"])
    error_message = "QUEUE_NAMESPACE and the queue names must follow queue_namespace."
  }

  assert {
    condition     = alltrue([for s in values(module.service) : s.environment.QUEUE_NAMESPACE == "staging"])
    error_message = "Every service must be told the namespace its queues are in."
  }
}

run "a_visibility_timeout_below_a_time_limit_is_refused" {
  command = plan

  variables {
    sqs_visibility_timeout_s = 100
  }

  expect_failures = [aws_sqs_queue.service]
}

run "each_task_role_names_only_its_own_queues_and_topic" {
  command = plan

  assert {
    condition = (
      toset(flatten([for s in jsondecode(module.service["api"].task_role_policy).Statement : s.Action])) == toset(["sqs:GetQueueUrl", "sqs:SendMessage"])
      && toset(flatten([for s in jsondecode(module.service["api"].task_role_policy).Statement : s.Resource if contains(s.Action, "sqs:SendMessage")])) == toset([aws_sqs_queue.service["ical"].arn, aws_sqs_queue.service["notifications"].arn])
      && !strcontains(module.service["api"].task_role_policy, "sns:")
    )
    error_message = "The API may only look up and send to the ical and notifications queues (its outbox relay sends both)."
  }

  assert {
    condition = (
      toset(flatten([for s in jsondecode(module.service["calendar-worker"].task_role_policy).Statement : s.Resource if contains(s.Action, "sqs:ReceiveMessage")])) == toset([aws_sqs_queue.service["ical"].arn])
      && toset(flatten([for s in jsondecode(module.service["calendar-worker"].task_role_policy).Statement : s.Resource if contains(s.Action, "sqs:SendMessage")])) == toset([aws_sqs_queue.service["ical"].arn, aws_sqs_queue.dead_letter["ical"].arn, aws_sqs_queue.service["notifications"].arn])
      && !strcontains(module.service["calendar-worker"].task_role_policy, "sns:")
    )
    error_message = "The calendar-worker consumes ical (retrying and dead-lettering there) and sends to notifications only."
  }

  assert {
    condition = (
      toset(flatten([for s in jsondecode(module.service["notifier"].task_role_policy).Statement : s.Resource if contains(s.Action, "sqs:ReceiveMessage")])) == toset([aws_sqs_queue.service["notifications"].arn])
      && toset(flatten([for s in jsondecode(module.service["notifier"].task_role_policy).Statement : s.Resource if contains(s.Action, "sns:Publish")])) == toset([aws_sns_topic.notifications.arn])
      && !strcontains(module.service["notifier"].task_role_policy, aws_sqs_queue.service["ical"].arn)
    )
    error_message = "The notifier consumes notifications and publishes to its topic only."
  }

  assert {
    condition     = !anytrue([for s in values(module.service) : strcontains(s.task_role_policy, "\"*\"")])
    error_message = "No task role may name every resource."
  }
}

run "the_database_password_reaches_tasks_only_as_a_secret" {
  command = plan

  assert {
    condition     = alltrue([for s in values(module.service) : length(s.secrets) == 1 && lookup(s.secrets, "PGPASSWORD", "") == "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1234-AbCdEf:password::"])
    error_message = "Each task gets PGPASSWORD from the password key of the RDS-managed secret."
  }

  assert {
    condition     = alltrue([for s in values(module.service) : s.environment.DATABASE_URL == "postgresql://taskoverflow@taskoverflow.abc.us-east-1.rds.amazonaws.com:5432/taskoverflow?sslmode=require"])
    error_message = "DATABASE_URL names the database over TLS and carries no password."
  }

  assert {
    condition     = aws_db_instance.main.manage_master_user_password && aws_db_instance.main.storage_encrypted && !aws_db_instance.main.publicly_accessible && aws_db_instance.main.engine_version == "16"
    error_message = "PostgreSQL 16: RDS-managed password, encrypted, not public."
  }

  assert {
    condition = contains(
      flatten([for s in jsondecode(aws_iam_role_policy.execution.policy).Statement : s.Resource if contains(s.Action, "secretsmanager:GetSecretValue")]),
      aws_db_instance.main.master_user_secret[0].secret_arn
    )
    error_message = "The execution role must be able to read the database secret (and ECS hands it over)."
  }
}

run "each_service_gets_the_environment_it_reads" {
  command = plan

  assert {
    condition = alltrue([for s in values(module.service) : alltrue([
      s.environment.BROKER_URL == "sqs://",
      s.environment.AWS_REGION == "us-east-1",
      s.environment.LOG_FORMAT == "json",
      s.environment.PUBLIC_BASE_URL == "http://taskoverflow-1.us-east-1.elb.amazonaws.com",
      s.environment.SQS_VISIBILITY_TIMEOUT == "300",
      !contains(keys(s.environment), "AWS_ENDPOINT_URL"),
    ])])
    error_message = "Every service reads BROKER_URL, AWS_REGION, LOG_FORMAT, PUBLIC_BASE_URL, SQS_VISIBILITY_TIMEOUT; no emulator endpoint on AWS."
  }

  assert {
    condition     = module.service["api"].environment.HOST == "0.0.0.0" && module.service["api"].environment.PORT == "6400"
    error_message = "The API listens on 0.0.0.0:6400 in its container."
  }

  assert {
    condition     = module.service["notifier"].environment.SNS_TOPIC_ARN == aws_sns_topic.notifications.arn
    error_message = "The notifier publishes to the notifications topic."
  }

  assert {
    condition     = module.service["calendar-worker"].environment.WORKER_TIME_LIMIT_MS == "110000" && module.service["calendar-worker"].stop_timeout_s == 120
    error_message = "A calendar job's time limit (110 s) ends before ECS kills a stopping task (120 s)."
  }

  assert {
    condition     = module.service["api"].image == "${module.service["api"].repository_url}:aaaa111" && module.service["calendar-worker"].image == "${module.service["calendar-worker"].repository_url}:bbbb222"
    error_message = "Each service runs its own image tag from its own repository."
  }
}

run "emails_subscribe_to_the_encrypted_notifications_topic" {
  command = plan

  assert {
    condition     = toset([for s in values(aws_sns_topic_subscription.notification_emails) : s.endpoint]) == toset(["ops@example.com", "dev@example.com"])
    error_message = "One email subscription per address in notification_emails."
  }

  assert {
    condition     = alltrue([for s in values(aws_sns_topic_subscription.notification_emails) : s.protocol == "email" && s.topic_arn == aws_sns_topic.notifications.arn])
    error_message = "The subscriptions are email subscriptions to the notifications topic."
  }

  assert {
    condition     = aws_sns_topic.notifications.kms_master_key_id == aws_kms_key.main.arn && aws_sns_topic.operations.kms_master_key_id == aws_kms_key.main.arn
    error_message = "Both topics are encrypted with the deployment's key."
  }
}

run "the_load_balancer_checks_the_apis_health_endpoint" {
  command = plan

  assert {
    condition     = aws_lb_target_group.api.health_check[0].path == "/api/v1/health" && aws_lb_target_group.api.port == 6400 && aws_lb_target_group.api.target_type == "ip"
    error_message = "The target group checks GET /api/v1/health on the tasks' port 6400."
  }

  assert {
    condition     = output.api_url == "http://taskoverflow-1.us-east-1.elb.amazonaws.com"
    error_message = "Without a certificate the API is served over HTTP at the load balancer's name."
  }
}

run "with_a_certificate_http_redirects_to_https" {
  command = plan

  variables {
    certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
  }

  assert {
    condition     = aws_lb_listener.http.default_action[0].type == "redirect" && aws_lb_listener.http.default_action[0].redirect[0].protocol == "HTTPS"
    error_message = "Port 80 must redirect to HTTPS when there is a certificate."
  }

  assert {
    condition     = length(aws_lb_listener.https) == 1 && output.api_url == "https://taskoverflow-1.us-east-1.elb.amazonaws.com"
    error_message = "HTTPS serves the API, and the services are told the https URL."
  }
}

run "the_calendar_worker_scales_on_its_queue_between_min_and_max" {
  command = plan

  variables {
    calendar_worker_min_tasks = 2
    calendar_worker_max_tasks = 7
  }

  assert {
    condition     = module.service["calendar-worker"].scalable_target.min_capacity == 2 && module.service["calendar-worker"].scalable_target.max_capacity == 7
    error_message = "The calendar-worker's task count stays between calendar_worker_min_tasks and calendar_worker_max_tasks."
  }

  assert {
    condition = contains(
      [for m in aws_appautoscaling_policy.calendar_backlog.target_tracking_scaling_policy_configuration[0].customized_metric_specification[0].metrics : one(m.metric_stat[0].metric[0].dimensions).value if m.id == "waiting"],
      aws_sqs_queue.service["ical"].name
    )
    error_message = "The scaling metric is the ical queue's backlog."
  }
}

run "the_calendar_worker_never_scales_to_zero" {
  command = plan

  variables {
    calendar_worker_min_tasks = 0
  }

  expect_failures = [var.calendar_worker_min_tasks]
}
