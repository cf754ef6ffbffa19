# Who may talk to whom: the internet to the load balancer, the load balancer to the API,
# the services to the database. Each service's own group (in the module) allows HTTPS out.

resource "aws_security_group" "load_balancer" {
  name        = "${var.name}-load-balancer"
  description = "The API's load balancer"
  vpc_id      = aws_vpc.main.id

  tags = { Name = "${var.name}-load-balancer" }
}

resource "aws_vpc_security_group_ingress_rule" "load_balancer_http" {
  #checkov:skip=CKV_AWS_260:The public API's load balancer; with a certificate, port 80 only redirects to HTTPS.
  for_each = toset(var.allowed_ingress_cidrs)

  security_group_id = aws_security_group.load_balancer.id
  description       = local.https ? "HTTP, redirected to HTTPS" : "HTTP"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_ipv4         = each.value
}

resource "aws_vpc_security_group_ingress_rule" "load_balancer_https" {
  for_each = local.https ? toset(var.allowed_ingress_cidrs) : toset([])

  security_group_id = aws_security_group.load_balancer.id
  description       = "HTTPS"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = each.value
}

resource "aws_vpc_security_group_egress_rule" "load_balancer_to_api" {
  security_group_id            = aws_security_group.load_balancer.id
  description                  = "Requests and health checks to the API's tasks"
  ip_protocol                  = "tcp"
  from_port                    = local.api_port
  to_port                      = local.api_port
  referenced_security_group_id = module.service["api"].security_group_id
}

resource "aws_vpc_security_group_ingress_rule" "api_from_load_balancer" {
  security_group_id            = module.service["api"].security_group_id
  description                  = "Only the load balancer reaches the API"
  ip_protocol                  = "tcp"
  from_port                    = local.api_port
  to_port                      = local.api_port
  referenced_security_group_id = aws_security_group.load_balancer.id
}

resource "aws_security_group" "database" {
  name        = "${var.name}-database"
  description = "PostgreSQL, reached only by the services"
  vpc_id      = aws_vpc.main.id

  tags = { Name = "${var.name}-database" }
}

resource "aws_vpc_security_group_ingress_rule" "database_from_services" {
  for_each = module.service

  security_group_id            = aws_security_group.database.id
  description                  = "PostgreSQL from ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = each.value.security_group_id
}

resource "aws_vpc_security_group_egress_rule" "services_to_database" {
  for_each = module.service

  security_group_id            = each.value.security_group_id
  description                  = "PostgreSQL"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = aws_security_group.database.id
}
