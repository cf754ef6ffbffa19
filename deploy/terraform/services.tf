# The three services on one ECS cluster, each with its own image tag, environment and task role.

resource "aws_ecs_cluster" "main" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = "enabled" # per-service task counts: the calendar-worker's scaling reads them
  }
}

locals {
  # Only ECS tasks of this account may take the execution role or a task role (the
  # confused-deputy guard).
  ecs_tasks_trust_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account_id }
        ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:ecs:${var.region}:${local.account_id}:*" }
      }
    }]
  })

  queue_arns      = { for queue, q in aws_sqs_queue.service : queue => q.arn }
  dead_letter_arn = { for queue, q in aws_sqs_queue.dead_letter : queue => q.arn }

  # What every service reads (.env.example); AWS_ENDPOINT_URL stays unset on AWS.
  common_environment = {
    DATABASE_URL           = local.database_url
    BROKER_URL             = "sqs://"
    QUEUE_NAMESPACE        = var.queue_namespace
    AWS_REGION             = var.region
    SQS_VISIBILITY_TIMEOUT = tostring(var.sqs_visibility_timeout_s)
    PUBLIC_BASE_URL        = local.public_base_url
    LOG_FORMAT             = "json"
    LOG_LEVEL              = "INFO"
  }

  # Variables only: the module's for_each iterates over this map, and everything in every
  # instance (the repositories too) would wait for any resource named here.
  services = {
    api = {
      image_tag      = var.api_image_tag
      min_count      = var.api_task_count
      max_count      = var.api_task_count
      port           = local.api_port
      stop_timeout_s = 30 # gunicorn's graceful timeout; the load balancer stopped sending 30 s before
      environment = {
        PORT = tostring(local.api_port)
        HOST = "0.0.0.0"
      }
    }
    calendar-worker = {
      image_tag = var.calendar_worker_image_tag
      min_count = var.calendar_worker_min_tasks
      max_count = var.calendar_worker_max_tasks
      port      = null
      # Dramatiq finishes the jobs it holds on SIGTERM; each ends within its time limit, below this.
      stop_timeout_s = 120
      environment = {
        WORKER_TIME_LIMIT_MS = tostring(var.calendar_job_time_limit_s * 1000)
      }
    }
    notifier = {
      image_tag      = var.notifier_image_tag
      min_count      = var.notifier_task_count
      max_count      = var.notifier_task_count
      port           = null
      stop_timeout_s = 120
      environment = {
        NOTIFY_TIME_LIMIT_MS = tostring(var.notification_time_limit_s * 1000)
      }
    }
  }

  # Each task role names only its own queues and topic. dramatiq-sqs looks a queue up by name
  # (its dead-letter queue too) before it sends or receives; a consumer re-sends a message to
  # retry it, and sends one whose retries are spent to the dead-letter queue itself.
  sender_to = { for queue in local.service_queues : queue => [
    {
      Sid      = "Find${title(queue)}Queues"
      Effect   = "Allow"
      Action   = ["sqs:GetQueueUrl"]
      Resource = [local.queue_arns[queue], local.dead_letter_arn[queue]]
    },
    {
      Sid      = "SendTo${title(queue)}"
      Effect   = "Allow"
      Action   = ["sqs:SendMessage"]
      Resource = [local.queue_arns[queue]]
    },
  ] }
  consumer_of = { for queue in local.service_queues : queue => [
    {
      Sid      = "Find${title(queue)}Queues"
      Effect   = "Allow"
      Action   = ["sqs:GetQueueUrl"]
      Resource = [local.queue_arns[queue], local.dead_letter_arn[queue]]
    },
    {
      Sid      = "Consume${title(queue)}"
      Effect   = "Allow"
      Action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"]
      Resource = [local.queue_arns[queue]]
    },
    {
      Sid      = "RetryAndDeadLetter${title(queue)}"
      Effect   = "Allow"
      Action   = ["sqs:SendMessage"]
      Resource = [local.queue_arns[queue], local.dead_letter_arn[queue]]
    },
  ] }

  task_role_statements = {
    # The API's outbox relay sends GenerateCalendar, and the CalendarJobFinished of a job its
    # reconciler ends (or announces again).
    api             = concat(local.sender_to.ical, local.sender_to.notifications)
    calendar-worker = concat(local.consumer_of.ical, local.sender_to.notifications)
    notifier = concat(local.consumer_of.notifications, [
      {
        Sid      = "PublishNotifications"
        Effect   = "Allow"
        Action   = ["sns:Publish"]
        Resource = [aws_sns_topic.notifications.arn]
      },
      {
        Sid       = "UseTheTopicsKeyThroughSns"
        Effect    = "Allow"
        Action    = ["kms:GenerateDataKey*", "kms:Decrypt"]
        Resource  = [aws_kms_key.main.arn]
        Condition = { StringEquals = { "kms:ViaService" = "sns.${var.region}.amazonaws.com" } }
      },
    ])
  }

  # The execution role's ARN, read through its policy, so that a task definition (and its
  # service) exists only once ECS may pull the image and read the secret: tasks started
  # before would fail, and enough failures trip the circuit breaker.
  execution_role_arn = "arn:${local.partition}:iam::${local.account_id}:role/${aws_iam_role_policy.execution.role}"

  # The load balancer's target group, read through the listener that forwards to it, so that
  # the API's service is created after the listener (ECS refuses a target group no load
  # balancer uses yet).
  api_target_group_arn = (local.https
    ? aws_lb_listener.https[0].default_action[0].target_group_arn
    : aws_lb_listener.http.default_action[0].target_group_arn
  )
}

module "service" {
  source   = "./modules/service"
  for_each = local.services

  name           = each.key
  name_prefix    = var.name
  image_tag      = each.value.image_tag
  images_to_keep = var.images_to_keep

  deletion_protection = var.deletion_protection

  cluster_arn  = aws_ecs_cluster.main.arn
  cluster_name = aws_ecs_cluster.main.name
  cpu          = var.task_sizes[each.key].cpu
  memory       = var.task_sizes[each.key].memory
  min_count    = each.value.min_count
  max_count    = each.value.max_count

  environment = merge(
    local.common_environment,
    each.value.environment,
    each.key == "notifier" ? { SNS_TOPIC_ARN = aws_sns_topic.notifications.arn } : {},
    lookup(var.service_settings, each.key, {}),
  )
  secrets = { PGPASSWORD = local.db_password_value_from }

  port             = each.value.port
  target_group_arn = each.key == "api" ? local.api_target_group_arn : null
  stop_timeout_s   = each.value.stop_timeout_s

  region             = var.region
  assume_role_policy = local.ecs_tasks_trust_policy
  execution_role_arn = local.execution_role_arn
  task_role_policy   = jsonencode({ Version = "2012-10-17", Statement = local.task_role_statements[each.key] })

  vpc_id             = aws_vpc.main.id
  subnet_ids         = aws_subnet.private[*].id
  log_retention_days = var.log_retention_days
  kms_key_arn        = aws_kms_key.main.arn
}

# --- the one role ECS itself uses to start every task ---

resource "aws_iam_role" "execution" {
  name = "${var.name}-task-execution"

  assume_role_policy = local.ecs_tasks_trust_policy
}

# What AmazonECSTaskExecutionRolePolicy grants, narrowed to this deployment's repositories and
# log groups (named as the service module names them), plus the one secret the tasks receive.
resource "aws_iam_role_policy" "execution" {
  name = "start-taskoverflow-tasks"
  role = aws_iam_role.execution.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "LogInToEcr"
        Effect   = "Allow"
        Action   = ["ecr:GetAuthorizationToken"]
        Resource = ["*"] # this action has no resource to name
      },
      {
        Sid      = "PullTheServicesImages"
        Effect   = "Allow"
        Action   = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
        Resource = [for name in keys(local.services) : "arn:${local.partition}:ecr:${var.region}:${local.account_id}:repository/${var.name}-${name}"]
      },
      {
        Sid      = "WriteTheServicesLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = [for name in keys(local.services) : "arn:${local.partition}:logs:${var.region}:${local.account_id}:log-group:/${var.name}/${name}:*"]
      },
      {
        Sid      = "ReadTheDatabasePassword"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue"]
        Resource = [aws_db_instance.main.master_user_secret[0].secret_arn]
      },
    ]
  })
}

# --- the calendar-worker follows the ical queue's backlog ---

resource "aws_appautoscaling_policy" "calendar_backlog" {
  name               = "${var.name}-calendar-backlog-per-task"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = module.service["calendar-worker"].scalable_target.service_namespace
  resource_id        = module.service["calendar-worker"].scalable_target.resource_id
  scalable_dimension = module.service["calendar-worker"].scalable_target.scalable_dimension

  target_tracking_scaling_policy_configuration {
    # Messages waiting per running task: the measure of how long a new job waits.
    target_value       = var.calendar_backlog_per_task
    scale_out_cooldown = 60
    scale_in_cooldown  = 300

    customized_metric_specification {
      metrics {
        id          = "waiting"
        label       = "Messages waiting in the ical queue"
        return_data = false
        metric_stat {
          stat = "Sum"
          metric {
            namespace   = "AWS/SQS"
            metric_name = "ApproximateNumberOfMessagesVisible"
            dimensions {
              name  = "QueueName"
              value = aws_sqs_queue.service["ical"].name
            }
          }
        }
      }

      metrics {
        id          = "tasks"
        label       = "Running calendar-worker tasks"
        return_data = false
        metric_stat {
          stat = "Average"
          metric {
            namespace   = "ECS/ContainerInsights"
            metric_name = "RunningTaskCount"
            dimensions {
              name  = "ClusterName"
              value = aws_ecs_cluster.main.name
            }
            dimensions {
              name  = "ServiceName"
              value = module.service["calendar-worker"].service_name
            }
          }
        }
      }

      metrics {
        id          = "backlog_per_task"
        label       = "Messages waiting per running task"
        expression  = "waiting / tasks"
        return_data = true
      }
    }
  }
}
