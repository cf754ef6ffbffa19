output "repository_url" {
  description = "Where this service's images are pushed."
  value       = aws_ecr_repository.this.repository_url
}

output "service_name" {
  description = "The ECS service."
  value       = aws_ecs_service.this.name
}

output "task_definition_arn" {
  description = "The task definition revision the service runs."
  value       = aws_ecs_task_definition.this.arn
}

output "task_role_name" {
  description = "The service's own task role."
  value       = aws_iam_role.task.name
}

output "security_group_id" {
  description = "The tasks' security group."
  value       = aws_security_group.this.id
}

output "log_group_name" {
  description = "Where the service's logs are."
  value       = aws_cloudwatch_log_group.this.name
}

output "scalable_target" {
  description = "The autoscaling target a scaling policy attaches to."
  value = {
    service_namespace  = aws_appautoscaling_target.this.service_namespace
    resource_id        = aws_appautoscaling_target.this.resource_id
    scalable_dimension = aws_appautoscaling_target.this.scalable_dimension
    min_capacity       = aws_appautoscaling_target.this.min_capacity
    max_capacity       = aws_appautoscaling_target.this.max_capacity
  }
}

output "image" {
  description = "The image the task definition runs."
  value       = "${aws_ecr_repository.this.repository_url}:${var.image_tag}"
}

output "environment" {
  description = "The container's environment (no secrets: those are in `secrets`)."
  value       = var.environment
}

output "secrets" {
  description = "Environment variables ECS fills from Secrets Manager: name => valueFrom (an ARN, not the value)."
  value       = var.secrets
}

output "stop_timeout_s" {
  description = "Seconds a stopping task has to finish its work."
  value       = var.stop_timeout_s
}

output "task_role_policy" {
  description = "The task role's policy (JSON)."
  value       = aws_iam_role_policy.task.policy
}
