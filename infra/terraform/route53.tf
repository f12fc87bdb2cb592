data "aws_route53_zone" "main" {
  name         = var.domain_name
  private_zone = false
}

resource "aws_route53_record" "api_validation" {
  for_each = {
    for o in aws_acm_certificate.api.domain_validation_options : o.domain_name => o
  }

  zone_id         = data.aws_route53_zone.main.zone_id
  name            = each.value.resource_record_name
  type            = each.value.resource_record_type
  records         = [each.value.resource_record_value]
  ttl             = 60
  allow_overwrite = true
}

resource "aws_route53_record" "cdn_validation" {
  for_each = {
    for o in aws_acm_certificate.cdn.domain_validation_options : o.domain_name => o
  }

  zone_id         = data.aws_route53_zone.main.zone_id
  name            = each.value.resource_record_name
  type            = each.value.resource_record_type
  records         = [each.value.resource_record_value]
  ttl             = 60
  allow_overwrite = true
}

resource "aws_route53_record" "images" {
  zone_id = data.aws_route53_zone.main.zone_id
  name    = local.images_domain
  type    = "A"

  alias {
    name                   = aws_cloudfront_distribution.images.domain_name
    zone_id                = aws_cloudfront_distribution.images.hosted_zone_id
    evaluate_target_health = false
  }
}

# The ALB is created by the AWS Load Balancer Controller (from the Ingresses), not by Terraform.
# Once it exists, the next `terraform apply` finds it by the tags the controller puts on it and
# points every Ingress host at it; before that, no record is planned (nothing to point at).
data "aws_lbs" "ingress" {
  tags = {
    "elbv2.k8s.aws/cluster" = module.topology.cluster
    "ingress.k8s.aws/stack" = var.alb_group_name
  }
}

data "aws_lb" "ingress" {
  count = length(data.aws_lbs.ingress.arns)

  arn = one(data.aws_lbs.ingress.arns)
}

resource "aws_route53_record" "ingress" {
  for_each = length(data.aws_lbs.ingress.arns) > 0 ? local.ingress_hosts : {}

  zone_id = data.aws_route53_zone.main.zone_id
  name    = each.value
  type    = "A"

  alias {
    name                   = data.aws_lb.ingress[0].dns_name
    zone_id                = data.aws_lb.ingress[0].zone_id
    evaluate_target_health = true
  }
}
