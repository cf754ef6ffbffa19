# The per-service module on its own (mocked provider): what every service gets from it.

mock_provider "aws" {
  override_during = plan

  mock_resource "aws_ecr_repository" {
    defaults = { repository_url = "123456789012.dkr.ecr.us-east-1.amazonaws.com/taskoverflow-api" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/taskoverflow-api-task" }
  }
  mock_resource "aws_ecs_task_definition" {
    defaults = { arn = "arn:aws:ecs:us-east-1:123456789012:task-definition/taskoverflow-api:1" }
  }
}

variables {
  name                = "api"
  name_prefix         = "taskoverflow"
  image_tag           = "abc1234"
  images_to_keep      = 20
  deletion_protection = true
  region              = "us-east-1"
  cluster_arn         = "arn:aws:ecs:us-east-1:123456789012:cluster/taskoverflow"
  cluster_name        = "taskoverflow"
  cpu                 = 512
  memory              = 1024
  environment         = { HOST = "0.0.0.0", PORT = "6400" }
  secrets             = { PGPASSWORD = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf:password::" }
  port                = 6400
  target_group_arn    = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/taskoverflow-api/1"
  stop_timeout_s      = 30
  min_count           = 2
  max_count           = 2
  assume_role_policy  = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
  execution_role_arn  = "arn:aws:iam::123456789012:role/taskoverflow-task-execution"
  task_role_policy    = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
  vpc_id              = "vpc-1"
  subnet_ids          = ["subnet-a", "subnet-b"]
  log_retention_days  = 365
  kms_key_arn         = "arn:aws:kms:us-east-1:123456789012:key/1"
}

run "a_service_behind_the_load_balancer" {
  command = plan

  module {
    source = "./modules/service"
  }

  assert {
    condition     = aws_ecr_repository.this.name == "taskoverflow-api" && aws_ecr_repository.this.image_tag_mutability == "IMMUTABLE" && aws_ecr_repository.this.image_scanning_configuration[0].scan_on_push
    error_message = "Each service has its own repository: immutable tags, scanned on push."
  }

  assert {
    condition     = contains([for r in jsondecode(aws_ecr_lifecycle_policy.this.policy).rules : r.selection.countNumber if r.selection.countType == "imageCountMoreThan"], 20)
    error_message = "The repository keeps the last images_to_keep images."
  }

  assert {
    condition     = aws_ecs_service.this.deployment_circuit_breaker[0].enable && aws_ecs_service.this.deployment_circuit_breaker[0].rollback
    error_message = "A deployment whose tasks keep failing stops and rolls back."
  }

  assert {
    condition     = aws_ecs_service.this.launch_type == "FARGATE" && aws_ecs_task_definition.this.network_mode == "awsvpc" && !aws_ecs_service.this.network_configuration[0].assign_public_ip
    error_message = "Fargate tasks with their own network interface, no public address."
  }

  assert {
    condition     = one(aws_ecs_service.this.load_balancer).container_port == 6400 && one(aws_ecs_service.this.load_balancer).target_group_arn == var.target_group_arn
    error_message = "The tasks register in the load balancer's target group on their port."
  }

  assert {
    condition = (
      jsondecode(aws_ecs_task_definition.this.container_definitions)[0].stopTimeout == 30
      && jsondecode(aws_ecs_task_definition.this.container_definitions)[0].image == "123456789012.dkr.ecr.us-east-1.amazonaws.com/taskoverflow-api:abc1234"
      && jsondecode(aws_ecs_task_definition.this.container_definitions)[0].secrets == [{ name = "PGPASSWORD", valueFrom = var.secrets.PGPASSWORD }]
    )
    error_message = "The container: its stop timeout, the tagged image, the password as a secret."
  }

  assert {
    condition     = aws_cloudwatch_log_group.this.name == "/taskoverflow/api" && aws_cloudwatch_log_group.this.retention_in_days == 365
    error_message = "Each service logs to its own log group, kept log_retention_days."
  }

  assert {
    condition     = aws_appautoscaling_target.this.resource_id == "service/taskoverflow/api" && aws_appautoscaling_target.this.min_capacity == 2
    error_message = "The service's task count is bounded by min_count and max_count."
  }
}

run "a_worker_serves_nothing" {
  command = plan

  module {
    source = "./modules/service"
  }

  variables {
    name             = "calendar-worker"
    port             = null
    target_group_arn = null
    stop_timeout_s   = 120
  }

  assert {
    condition     = length(aws_ecs_service.this.load_balancer) == 0 && jsondecode(aws_ecs_task_definition.this.container_definitions)[0].portMappings == []
    error_message = "A worker has no port and no load balancer."
  }
}

run "an_image_tag_must_be_a_docker_tag" {
  command = plan

  module {
    source = "./modules/service"
  }

  variables {
    image_tag = "latest; rm -rf"
  }

  expect_failures = [var.image_tag]
}
