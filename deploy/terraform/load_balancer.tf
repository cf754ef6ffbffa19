# The API behind an Application Load Balancer in the public subnets. With a certificate it
# serves HTTPS and redirects HTTP; without one (no domain yet) it serves HTTP.

locals {
  https           = var.certificate_arn != null
  api_port        = 6400
  public_base_url = coalesce(var.public_base_url, "${local.https ? "https" : "http"}://${aws_lb.api.dns_name}")
}

resource "aws_lb" "api" {
  #checkov:skip=CKV_AWS_91:Access logs need an S3 bucket of their own; the API logs every request (method, path, status, request id) as JSON in CloudWatch.
  #checkov:skip=CKV2_AWS_28:A WAF web ACL is a paid add-on left to the operator (aws_wafv2_web_acl_association); the API validates every input itself.
  name               = var.name
  load_balancer_type = "application"
  internal           = false
  subnets            = aws_subnet.public[*].id
  security_groups    = [aws_security_group.load_balancer.id]

  drop_invalid_header_fields = true
  enable_deletion_protection = var.deletion_protection
}

resource "aws_lb_target_group" "api" {
  #checkov:skip=CKV_AWS_378:TLS ends at the load balancer; the hop to the tasks stays inside the VPC's private subnets.
  name        = "${var.name}-api"
  vpc_id      = aws_vpc.main.id
  target_type = "ip" # Fargate tasks (awsvpc) register by address
  port        = local.api_port
  protocol    = "HTTP"

  # Long enough for gunicorn to finish a request in flight, shorter than ALB's 300 s default.
  deregistration_delay = 30

  health_check {
    path                = "/api/v1/health"
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.api.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = local.https ? "redirect" : "forward"
    target_group_arn = local.https ? null : aws_lb_target_group.api.arn

    dynamic "redirect" {
      for_each = local.https ? [1] : []
      content {
        port        = "443"
        protocol    = "HTTPS"
        status_code = "HTTP_301"
      }
    }
  }
}

resource "aws_lb_listener" "https" {
  count = local.https ? 1 : 0

  load_balancer_arn = aws_lb.api.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.api.arn
  }
}
