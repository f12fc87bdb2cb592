output "master_public_ip" {
  description = "Public IP of the control plane"
  value       = one([for name, n in module.topology.nodes : module.ec2.instances[name].public_ip if n.role == "master"])
}

output "node_public_ips" {
  description = "Public IP of every node"
  value       = { for name, i in module.ec2.instances : name => i.public_ip }
}

output "node_private_ips" {
  description = "Private IP of every node"
  value       = { for name, i in module.ec2.instances : name => i.private_ip }
}

output "vpc_id" {
  description = "Cluster VPC"
  value       = module.vpc.vpc_id
}

output "public_subnet_ids" {
  description = "Public subnets (ALB controller discovers them by tag too)"
  value       = module.vpc.public_subnet_ids
}

output "alb_security_group_id" {
  description = "Security group for internet-facing ALBs"
  value       = module.security_groups.alb_id
}

output "acm_certificate_arn" {
  description = "Regional certificate for the API ALB"
  value       = aws_acm_certificate_validation.api.certificate_arn
}

output "cdn_certificate_arn" {
  description = "us-east-1 certificate of the CloudFront distribution"
  value       = aws_acm_certificate_validation.cdn.certificate_arn
}

output "images_bucket" {
  description = "Image bucket name"
  value       = aws_s3_bucket.images.bucket
}

output "cloudfront_distribution_id" {
  description = "Image CDN distribution (for invalidations)"
  value       = aws_cloudfront_distribution.images.id
}

output "cloudfront_domain_name" {
  description = "CloudFront domain of the image CDN"
  value       = aws_cloudfront_distribution.images.domain_name
}

output "ansible_inventory" {
  description = "Ansible inventory rendered from templates/hosts.tpl (labels and taints per host)"
  value       = module.inventory.ansible_inventory
}

output "node_map_json" {
  description = "JSON node map for the console"
  value       = module.inventory.node_map_json
}

output "tags" {
  description = "Tags on every resource: the only scope a cleanup may use"
  value       = local.tags
}
