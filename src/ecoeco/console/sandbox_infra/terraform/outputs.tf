# The real root module's outputs (infra/terraform/outputs.tf), same names and shapes, simulated values.
output "master_public_ip" {
  description = "Public IP of the control plane (simulated)"
  value       = one([for name, n in local.nodes : local.instances[name].public_ip if n.role == "master"])
}

output "node_public_ips" {
  description = "Public IP of every node (simulated)"
  value       = { for name, i in local.instances : name => i.public_ip }
}

output "node_private_ips" {
  description = "Private IP of every node (simulated)"
  value       = { for name, i in local.instances : name => i.private_ip }
}

output "vpc_id" {
  description = "Cluster VPC (simulated)"
  value       = "vpc-${substr(replace(terraform_data.vpc.id, "-", ""), 0, 17)}"
}

output "public_subnet_ids" {
  description = "Public subnets (simulated)"
  value       = [for s in terraform_data.subnet : "subnet-${substr(replace(s.id, "-", ""), 0, 17)}"]
}

output "alb_security_group_id" {
  description = "Security group for internet-facing ALBs (simulated)"
  value       = "sg-${substr(replace(terraform_data.alb_security_group.id, "-", ""), 0, 17)}"
}

output "acm_certificate_arn" {
  description = "Regional certificate for the API ALB (simulated)"
  value       = "arn:aws:acm:${var.region}:000000000000:certificate/${terraform_data.vpc.id}"
}

output "cdn_certificate_arn" {
  description = "us-east-1 certificate of the CloudFront distribution (simulated)"
  value       = "arn:aws:acm:us-east-1:000000000000:certificate/${terraform_data.cdn.id}"
}

output "images_bucket" {
  description = "Image bucket name (simulated)"
  value       = terraform_data.images_bucket.output.bucket
}

output "cloudfront_distribution_id" {
  description = "Image CDN distribution (simulated)"
  value       = "E${local.cdn_id}"
}

output "cloudfront_domain_name" {
  description = "CloudFront domain of the image CDN (simulated)"
  value       = "d${lower(local.cdn_id)}.cloudfront.net"
}

output "ansible_inventory" {
  description = "Ansible inventory, as the real module renders it, for hosts reached locally"
  value = templatefile("${path.module}/hosts.tpl", {
    cluster            = local.cluster
    kubernetes_version = local.topology.kubernetes_version
    environment        = var.environment
    region             = var.region
    domain_name        = var.domain_name
    groups             = local.groups
    cluster_facts = {
      images_bucket       = terraform_data.images_bucket.output.bucket
      acm_certificate_arn = "arn:aws:acm:${var.region}:000000000000:certificate/${terraform_data.vpc.id}"
      alb_security_group  = terraform_data.alb_security_group.output.name
    }
  })
}

output "node_map_json" {
  description = "JSON node map for the console"
  value       = jsonencode(local.hosts)
}

output "required_vcpus" {
  description = "vCPUs the topology's nodes need (the quota pre-flight compares it)"
  value       = local.required_vcpus
}

output "tags" {
  description = "Tags on every (simulated) resource"
  value       = local.tags
}

output "simulated" {
  description = "True: nothing here exists outside this state (the console says so)"
  value       = true
}
