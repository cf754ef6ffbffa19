# --- the deployment ---

variable "name" {
  description = "Prefix of every resource's name, and the Project tag."
  type        = string
  default     = "taskoverflow"
}

variable "region" {
  description = "AWS region of the whole deployment."
  type        = string
  default     = "us-east-1"
}

# --- images: one tag per service, so that each service is deployed on its own ---

variable "api_image_tag" {
  description = "Tag of the API's image in its ECR repository (a git commit)."
  type        = string
}

variable "calendar_worker_image_tag" {
  description = "Tag of the calendar-worker's image in its ECR repository (a git commit)."
  type        = string
}

variable "notifier_image_tag" {
  description = "Tag of the notifier's image in its ECR repository (a git commit)."
  type        = string
}

variable "images_to_keep" {
  description = "Images each ECR repository keeps; older ones expire (rolling back needs the previous ones)."
  type        = number
  default     = 20
}

# --- network ---

variable "vpc_cidr" {
  description = "Address range of the VPC; each subnet is a /24 of it."
  type        = string
  default     = "10.40.0.0/16"
}

variable "nat_gateway_per_zone" {
  description = "One NAT gateway per availability zone (egress survives a zone's loss) instead of one in all (cheaper)."
  type        = bool
  default     = false
}

variable "allowed_ingress_cidrs" {
  description = "Who may reach the load balancer."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

# --- the API's address ---

variable "certificate_arn" {
  description = "ACM certificate for HTTPS on the load balancer; null serves plain HTTP (no domain yet)."
  type        = string
  default     = null
}

variable "public_base_url" {
  description = "How users reach the API (result URLs in statuses and emails); null means the load balancer's own address."
  type        = string
  default     = null
}

# --- queues and jobs ---

variable "queue_namespace" {
  description = "QUEUE_NAMESPACE of the services: queue q is {namespace}_q, its dead-letter queue {namespace}_q_dlq."
  type        = string
  default     = "taskoverflow"
}

variable "sqs_visibility_timeout_s" {
  description = "How long a received message stays hidden (SQS_VISIBILITY_TIMEOUT): above every actor's time limit."
  type        = number
  default     = 300
}

variable "calendar_job_time_limit_s" {
  description = "The calendar-worker's time limit for one job (WORKER_TIME_LIMIT_MS / 1000)."
  type        = number
  default     = 110

  validation {
    # Fargate's longest stop timeout is 120 s: a job started before a deploy or a
    # scale-in must end within it, or it is killed and runs again elsewhere.
    condition     = var.calendar_job_time_limit_s > 0 && var.calendar_job_time_limit_s < 120
    error_message = "calendar_job_time_limit_s must be between 1 and 119 (Fargate stops a task at most 120 s after SIGTERM)."
  }
}

variable "notification_time_limit_s" {
  description = "The notifier's time limit for one publish (NOTIFY_TIME_LIMIT_MS / 1000)."
  type        = number
  default     = 30

  validation {
    condition     = var.notification_time_limit_s > 0 && var.notification_time_limit_s < 120
    error_message = "notification_time_limit_s must be between 1 and 119 (Fargate stops a task at most 120 s after SIGTERM)."
  }
}

variable "max_receive_count" {
  description = "Receives of one message before SQS moves it to the dead-letter queue (a body no worker can decode, a worker killed mid-job)."
  type        = number
  default     = 5
}

variable "dead_letter_alarm_threshold" {
  description = "Messages in a dead-letter queue that raise its alarm."
  type        = number
  default     = 1
}

# --- notifications ---

variable "notification_emails" {
  description = "Addresses subscribed to the notifications topic; each must confirm the mail SNS sends it."
  type        = list(string)
  default     = []
}

variable "operations_emails" {
  description = "Addresses subscribed to the operations topic (dead-letter alarms)."
  type        = list(string)
  default     = []
}

# --- services ---

variable "api_task_count" {
  description = "API tasks behind the load balancer (two: one per zone)."
  type        = number
  default     = 2
}

variable "notifier_task_count" {
  description = "Notifier tasks."
  type        = number
  default     = 1
}

variable "calendar_worker_min_tasks" {
  description = "Fewest calendar-worker tasks; autoscaling on the ical queue's backlog stays between min and max."
  type        = number
  default     = 1

  validation {
    # The backlog per task divides by the running tasks: never scale to zero.
    condition     = var.calendar_worker_min_tasks >= 1
    error_message = "calendar_worker_min_tasks must be at least 1."
  }
}

variable "calendar_worker_max_tasks" {
  description = "Most calendar-worker tasks."
  type        = number
  default     = 10

  validation {
    condition     = var.calendar_worker_max_tasks >= var.calendar_worker_min_tasks
    error_message = "calendar_worker_max_tasks must be at least calendar_worker_min_tasks."
  }
}

variable "task_sizes" {
  description = "Fargate CPU units and memory (MiB) of each service's task."
  type        = map(object({ cpu = number, memory = number }))
  default = {
    api             = { cpu = 512, memory = 1024 }
    calendar-worker = { cpu = 1024, memory = 2048 }
    notifier        = { cpu = 256, memory = 512 }
  }

  validation {
    condition     = toset(keys(var.task_sizes)) == toset(["api", "calendar-worker", "notifier"])
    error_message = "task_sizes must name exactly api, calendar-worker and notifier."
  }
}

variable "service_settings" {
  description = "Settings added to each service's environment (names and meanings in .env.example)."
  type        = map(map(string))
  default = {
    api             = { WEB_CONCURRENCY = "3", DB_POOL_SIZE = "4" }
    calendar-worker = { WORKER_PROCESSES = "2" }
    notifier        = {}
  }
}

variable "calendar_backlog_per_task" {
  description = "Messages waiting in the ical queue per calendar-worker task that autoscaling aims for."
  type        = number
  default     = 100
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the services' and the VPC's logs."
  type        = number
  default     = 365
}

# --- database ---

variable "db_instance_class" {
  description = "RDS instance class of the PostgreSQL database."
  type        = string
  default     = "db.t4g.micro"
}

variable "db_allocated_storage_gb" {
  description = "Initial storage; RDS grows it up to ten times this."
  type        = number
  default     = 20
}

variable "db_multi_az" {
  description = "A standby in the second zone (survives a zone's loss; doubles the database's cost)."
  type        = bool
  default     = true
}

variable "db_performance_insights" {
  description = "Performance Insights on the database (query load by statement, kept 7 days)."
  type        = bool
  default     = true
}

variable "db_backup_retention_days" {
  description = "Days of automated backups (point-in-time recovery)."
  type        = number
  default     = 7
}

variable "deletion_protection" {
  description = "Refuse to delete the database, the load balancer, and image repositories that hold images (turn off before `terraform destroy`)."
  type        = bool
  default     = true
}

variable "skip_final_snapshot" {
  description = "Delete the database without a last snapshot (test deployments only)."
  type        = bool
  default     = false
}
