# One service of TaskOverflow on ECS Fargate: its image repository, its log group, its own
# task role and security group, its task definition and service, and the bounds autoscaling
# keeps its task count in. The root module uses it once per service.

locals {
  full_name = "${var.name_prefix}-${var.name}"
}

# --- the image ---

resource "aws_ecr_repository" "this" {
  name                 = local.full_name
  image_tag_mutability = "IMMUTABLE"              # a tag (a git commit) names one image forever
  force_delete         = !var.deletion_protection # only then may destroy delete its images with it

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
  }
}

resource "aws_ecr_lifecycle_policy" "this" {
  repository = aws_ecr_repository.this.name

  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Untagged layers left by interrupted pushes"
        selection    = { tagStatus = "untagged", countType = "sinceImagePushed", countUnit = "days", countNumber = 1 }
        action       = { type = "expire" }
      },
      {
        rulePriority = 2
        description  = "Keep the last ${var.images_to_keep} images (the ones a rollback may need)"
        selection    = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = var.images_to_keep }
        action       = { type = "expire" }
      },
    ]
  })
}

# --- what the service may do, and who may reach it ---

resource "aws_iam_role" "task" {
  name = "${local.full_name}-task"

  assume_role_policy = var.assume_role_policy
}

resource "aws_iam_role_policy" "task" {
  name   = "${var.name}-own-queues-and-topics"
  role   = aws_iam_role.task.id
  policy = var.task_role_policy
}

resource "aws_security_group" "this" {
  name        = local.full_name
  description = "${var.name} tasks"
  vpc_id      = var.vpc_id

  tags = { Name = local.full_name }
}

resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.this.id
  description       = "AWS APIs (ECR, SQS, SNS, Secrets Manager, CloudWatch) through NAT"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

# --- the running service ---

resource "aws_cloudwatch_log_group" "this" {
  name              = "/${var.name_prefix}/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_ecs_task_definition" "this" {
  #checkov:skip=CKV_AWS_336:The images run as a non-root user (uid 10001) who cannot write to the image's files anyway; gunicorn needs a writable /tmp, and Fargate's bind-mount volumes are root-owned (aws/containers-roadmap#938).
  family = local.full_name
  # A new image registers a new revision; the previous ones stay registered, so that the
  # circuit breaker (or a person) can go back to them.
  skip_destroy             = true
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = var.execution_role_arn
  task_role_arn            = aws_iam_role.task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  container_definitions = jsonencode([{
    name        = var.name
    image       = "${aws_ecr_repository.this.repository_url}:${var.image_tag}"
    essential   = true
    stopTimeout = var.stop_timeout_s

    readonlyRootFilesystem = false

    portMappings = var.port == null ? [] : [{ containerPort = var.port, protocol = "tcp" }]

    # Sorted by name, as ECS returns them, so that a plan shows no change where there is none.
    environment = [for name in sort(keys(var.environment)) : { name = name, value = var.environment[name] }]
    secrets     = [for name in sort(keys(var.secrets)) : { name = name, valueFrom = var.secrets[name] }]

    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.this.name
        awslogs-region        = var.region
        awslogs-stream-prefix = var.name
      }
    }
  }])
}

resource "aws_ecs_service" "this" {
  name             = var.name
  cluster          = var.cluster_arn
  task_definition  = aws_ecs_task_definition.this.arn
  launch_type      = "FARGATE"
  platform_version = "LATEST"
  desired_count    = var.min_count

  # Start the new tasks before stopping the old ones; a deployment whose tasks keep failing
  # stops and goes back to the last one that worked.
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.this.id]
    assign_public_ip = false
  }

  dynamic "load_balancer" {
    for_each = var.target_group_arn == null ? [] : [var.target_group_arn]
    content {
      target_group_arn = load_balancer.value
      container_name   = var.name
      container_port   = var.port
    }
  }

  health_check_grace_period_seconds = var.target_group_arn == null ? null : var.health_check_grace_period_s
  propagate_tags                    = "SERVICE"

  # The code's first calls need its permissions.
  depends_on = [aws_iam_role_policy.task]

  lifecycle {
    # Autoscaling owns the task count after creation; min_count and max_count bound it.
    ignore_changes = [desired_count]
  }
}

resource "aws_appautoscaling_target" "this" {
  service_namespace  = "ecs"
  resource_id        = "service/${var.cluster_name}/${aws_ecs_service.this.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.min_count
  max_capacity       = var.max_count
}
