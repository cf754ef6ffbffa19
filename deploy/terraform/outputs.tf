output "api_url" {
  description = "The API's base URL (what users and PUBLIC_BASE_URL use)."
  value       = local.public_base_url
}

output "repository_urls" {
  description = "Each service's ECR repository: push its images here."
  value       = { for name, service in module.service : name => service.repository_url }
}

output "image_tags" {
  description = "The image tag each service runs: a one-service deploy changes one and keeps the others."
  value       = { for name, service in local.services : name => service.image_tag }
}

output "ecs_cluster" {
  description = "The ECS cluster."
  value       = aws_ecs_cluster.main.name
}

output "ecs_services" {
  description = "Each service's ECS service name."
  value       = { for name, service in module.service : name => service.service_name }
}

output "queue_urls" {
  description = "Every queue: the services' queues, their dead-letter queues, the queue demo's."
  value = merge(
    { for queue, q in aws_sqs_queue.service : queue => q.id },
    { for queue, q in aws_sqs_queue.dead_letter : "${queue}_dlq" => q.id },
    { demo = aws_sqs_queue.demo_standard.id, demo_fifo = aws_sqs_queue.demo_fifo.id },
  )
}

output "notifications_topic_arn" {
  description = "The SNS topic the notifier publishes to (SNS_TOPIC_ARN)."
  value       = aws_sns_topic.notifications.arn
}

output "operations_topic_arn" {
  description = "The SNS topic the dead-letter alarms notify."
  value       = aws_sns_topic.operations.arn
}

output "log_groups" {
  description = "Each service's CloudWatch log group."
  value       = { for name, service in module.service : name => service.log_group_name }
}

output "database_endpoint" {
  description = "host:port of PostgreSQL (reachable from the private subnets only). The password stays in Secrets Manager."
  value       = aws_db_instance.main.endpoint
}
