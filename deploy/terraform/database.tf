# PostgreSQL 16 in the private subnets. RDS generates the master password and keeps it in
# Secrets Manager; ECS hands it to the tasks as PGPASSWORD at start, so it is never in a
# task definition, an output or this configuration (libpq reads PGPASSWORD when
# DATABASE_URL carries no password).

locals {
  db_name     = replace(var.name, "-", "_")
  db_username = replace(var.name, "-", "_")
  # TLS required (RDS for PostgreSQL 15+ refuses plain connections by default).
  database_url = "postgresql://${local.db_username}@${aws_db_instance.main.address}:${aws_db_instance.main.port}/${local.db_name}?sslmode=require"
  # ECS reads one JSON key of the secret RDS manages: "<secret arn>:<json key>::".
  db_password_value_from = "${aws_db_instance.main.master_user_secret[0].secret_arn}:password::"
}

resource "aws_db_subnet_group" "main" {
  name       = var.name
  subnet_ids = aws_subnet.private[*].id
}

resource "aws_db_parameter_group" "main" {
  name   = "${var.name}-postgres16"
  family = "postgres16"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  # Slow statements and schema changes reach CloudWatch Logs.
  parameter {
    name  = "log_min_duration_statement"
    value = "1000"
  }

  parameter {
    name  = "log_statement"
    value = "ddl"
  }
}

resource "aws_db_instance" "main" {
  #checkov:skip=CKV_AWS_161:The services sign in with the RDS-managed password (ECS secret); IAM tokens expire in 15 minutes and the services' connection pools do not renew them.
  identifier     = var.name
  engine         = "postgres"
  engine_version = "16"
  instance_class = var.db_instance_class

  db_name                     = local.db_name
  username                    = local.db_username
  manage_master_user_password = true

  allocated_storage     = var.db_allocated_storage_gb
  max_allocated_storage = var.db_allocated_storage_gb * 10
  storage_type          = "gp3"
  storage_encrypted     = true

  db_subnet_group_name   = aws_db_subnet_group.main.name
  vpc_security_group_ids = [aws_security_group.database.id]
  publicly_accessible    = false
  multi_az               = var.db_multi_az
  parameter_group_name   = aws_db_parameter_group.main.name

  backup_retention_period         = var.db_backup_retention_days
  copy_tags_to_snapshot           = true
  deletion_protection             = var.deletion_protection
  skip_final_snapshot             = var.skip_final_snapshot
  final_snapshot_identifier       = var.skip_final_snapshot ? null : "${var.name}-final"
  auto_minor_version_upgrade      = true
  enabled_cloudwatch_logs_exports = ["postgresql", "upgrade"]
  monitoring_interval             = 60
  monitoring_role_arn             = aws_iam_role.rds_monitoring.arn

  performance_insights_enabled          = var.db_performance_insights
  performance_insights_retention_period = var.db_performance_insights ? 7 : null # 7 days: the free tier
  performance_insights_kms_key_id       = var.db_performance_insights ? aws_kms_key.main.arn : null
}

resource "aws_iam_role" "rds_monitoring" {
  name = "${var.name}-rds-monitoring"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "monitoring.rds.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "rds_monitoring" {
  role       = aws_iam_role.rds_monitoring.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}
