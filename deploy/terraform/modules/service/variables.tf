variable "name" {
  description = "The service's name (api, calendar-worker, notifier)."
  type        = string
}

variable "name_prefix" {
  description = "Prefix of the names of everything the module creates."
  type        = string
}

variable "image_tag" {
  description = "Tag of the image to run, in this service's own repository."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag))
    error_message = "image_tag must be a Docker tag (letters, digits, _ . -; a git commit)."
  }
}

variable "images_to_keep" {
  description = "Images the repository keeps; older ones expire."
  type        = number
}

variable "deletion_protection" {
  description = "Refuse to delete the repository while it holds images."
  type        = bool
}

variable "cluster_arn" {
  description = "The ECS cluster the service runs in."
  type        = string
}

variable "cluster_name" {
  description = "Its name (autoscaling names a service by cluster and service)."
  type        = string
}

variable "cpu" {
  description = "Fargate CPU units of a task."
  type        = number
}

variable "memory" {
  description = "Memory (MiB) of a task."
  type        = number
}

variable "environment" {
  description = "The container's environment: the settings the service reads (.env.example). No secrets here."
  type        = map(string)
}

variable "secrets" {
  description = "Environment variables filled from Secrets Manager when the task starts: name => valueFrom."
  type        = map(string)
  default     = {}
}

variable "port" {
  description = "Port the container listens on, or null for a service that serves nothing."
  type        = number
  default     = null
}

variable "target_group_arn" {
  description = "Load balancer target group the tasks register in, or null."
  type        = string
  default     = null
}

variable "health_check_grace_period_s" {
  description = "Seconds after a task starts before failed load-balancer health checks count."
  type        = number
  default     = 60
}

variable "stop_timeout_s" {
  description = "Seconds between SIGTERM and SIGKILL: what a task has to finish the work it holds."
  type        = number
}

variable "min_count" {
  description = "Fewest tasks (also the count at creation)."
  type        = number
}

variable "max_count" {
  description = "Most tasks."
  type        = number
}

variable "region" {
  description = "AWS region (the log driver names it)."
  type        = string
}

variable "assume_role_policy" {
  description = "Trust policy of the task role: who may act as this service."
  type        = string
}

variable "execution_role_arn" {
  description = "Role ECS uses to start the task: pull the image, write logs, read the secrets."
  type        = string
}

variable "task_role_policy" {
  description = "IAM policy (JSON) of this service's own task role: what its code may do in AWS."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the service's security group."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets the tasks run in."
  type        = list(string)
}

variable "log_retention_days" {
  description = "Days the log group keeps the service's logs."
  type        = number
}

variable "kms_key_arn" {
  description = "Key encrypting the log group."
  type        = string
}
