locals {
  name_prefix = "${var.project}-${var.environment}"

  tags = {
    Project     = var.project
    Environment = var.environment
    ManagedBy   = "terraform"
  }

  api_domain    = "${var.api_subdomain}.${var.domain_name}"
  images_domain = "${var.images_subdomain}.${var.domain_name}"

  # Every host an Ingress of the cluster serves (the API chart's, ArgoCD's and Grafana's, see
  # infra/ansible group_vars): each gets an alias record to the shared ALB (route53.tf).
  ingress_hosts = {
    api     = local.api_domain
    argocd  = "argocd.${var.domain_name}"
    grafana = "grafana.${var.domain_name}"
  }
  topology_file = var.topology_file != "" ? var.topology_file : "${path.module}/../topology.yaml"
}

data "aws_caller_identity" "current" {}

module "topology" {
  source        = "./modules/topology"
  topology_file = local.topology_file
}

module "vpc" {
  source = "./modules/vpc"

  name           = local.name_prefix
  cluster        = module.topology.cluster
  cidr           = var.vpc_cidr
  az_count       = var.az_count
  instance_types = module.topology.instance_types
}

module "security_groups" {
  source = "./modules/security-groups"

  name             = local.name_prefix
  vpc_id           = module.vpc.vpc_id
  vpc_cidr         = var.vpc_cidr
  ssh_allowed_cidr = var.ssh_allowed_cidr
}

module "ec2" {
  source = "./modules/ec2"

  cluster              = module.topology.cluster
  nodes                = module.topology.nodes
  subnet_ids           = module.vpc.public_subnet_ids
  key_name             = var.key_name
  iam_instance_profile = aws_iam_instance_profile.node.name
  volume_tags          = local.tags

  # Every node gets the shared node group; the master also gets the control-plane group.
  security_group_ids_by_role = {
    master = [module.security_groups.nodes_id, module.security_groups.control_plane_id]
    api    = [module.security_groups.nodes_id]
    worker = [module.security_groups.nodes_id]
    infra  = [module.security_groups.nodes_id]
  }
}

module "inventory" {
  source = "./modules/inventory"

  cluster            = module.topology.cluster
  kubernetes_version = module.topology.kubernetes_version
  environment        = var.environment
  region             = var.region
  domain_name        = var.domain_name
  nodes              = module.topology.nodes
  instances          = module.ec2.instances
  template_file      = "${path.module}/templates/hosts.tpl"
  cluster_facts = {
    images_bucket       = aws_s3_bucket.images.bucket
    acm_certificate_arn = aws_acm_certificate_validation.api.certificate_arn
    alb_security_group  = module.security_groups.alb_name
  }
}
