# The sandbox's root module: the topology of infra/terraform (13 nodes from topology.yaml, the VPC,
# the ALB security group, the bucket, the CDN) made of Terraform's built-in terraform_data only, so a
# new user can plan, apply, read the outputs, render the inventory and destroy with no AWS account and
# no provider download. Nothing it creates exists anywhere but in its state: every id and address is
# simulated (instance ids and public addresses are new on every create, as real ones are, so a rebuild
# shows inventory drift like the real one does). The console's built-in sandbox profile points at it.
terraform {
  required_version = ">= 1.10"
  # The state goes where the profile's backend config says (the sandbox's state dir), never beside
  # this module (which may be inside an installed package).
  backend "local" {}
}

variable "topology_file" {
  description = "The 13 nodes (ecoeco/shared/topology.yaml, the one list of nodes)"
  type        = string
  default     = ""
}

variable "environment" {
  description = "Environment name"
  type        = string
  default     = "sandbox"
}

variable "region" {
  description = "The region the simulated resources claim to be in"
  type        = string
  default     = "ap-northeast-2"
}

variable "domain_name" {
  description = "Apex domain"
  type        = string
  default     = "sandbox.ecoeco.invalid"
}

locals {
  topology_file = var.topology_file != "" ? var.topology_file : "${path.module}/../../../shared/topology.yaml"
  topology      = yamldecode(file(local.topology_file))
  cluster       = local.topology.cluster
  azs           = ["${var.region}a", "${var.region}b", "${var.region}c"]

  # The same shape as modules/topology's nodes output.
  nodes = {
    for n in local.topology.nodes : n.name => {
      name          = n.name
      role          = n.role
      domain        = n.domain
      instance_type = n.instance_type
      root_disk_gb  = n.root_disk_gb
      subnet_index  = try(n.subnet_index, 0)
      labels        = try(n.labels, {})
      taints = [
        for t in try(n.taints, []) : {
          key    = t.key
          value  = try(tostring(t.value), "")
          effect = t.effect
        }
      ]
    }
  }
  node_names     = sort(keys(local.nodes))
  required_vcpus = sum([for n in values(local.nodes) : local.topology.instance_types[n.instance_type].vcpus])

  tags = {
    Project     = "ecoeco"
    Cluster     = local.cluster
    Environment = var.environment
    ManagedBy   = "terraform"
    Simulated   = "true"
  }
}

resource "terraform_data" "vpc" {
  input = { cidr = "10.0.0.0/16", tags = local.tags }
}

resource "terraform_data" "subnet" {
  count = length(local.azs)
  input = { cidr = "10.0.${count.index}.0/24", az = local.azs[count.index], vpc = terraform_data.vpc.id }
}

resource "terraform_data" "alb_security_group" {
  input = { name = "${local.cluster}-${var.environment}-alb", vpc = terraform_data.vpc.id }
}

resource "terraform_data" "node" {
  for_each = local.nodes
  input = {
    name          = each.key
    instance_type = each.value.instance_type
    root_disk_gb  = each.value.root_disk_gb
    subnet        = terraform_data.subnet[each.value.subnet_index % length(local.azs)].id
    tags          = merge(local.tags, { Name = each.key, Role = each.value.role })
  }
}

resource "terraform_data" "images_bucket" {
  input = { bucket = "${local.cluster}-${var.environment}-images" }
}

resource "terraform_data" "cdn" {
  input = { origin = terraform_data.images_bucket.output.bucket }
}

locals {
  # terraform_data's id is a fresh UUID on every create: the simulated instance id and public address
  # come from it, so a node re-created gets a new one (as an EC2 instance does).
  instances = {
    for name, n in local.nodes : name => {
      id                = "i-${substr(replace(terraform_data.node[name].id, "-", ""), 0, 17)}"
      availability_zone = local.azs[n.subnet_index % length(local.azs)]
      private_ip        = "10.0.${n.subnet_index % length(local.azs)}.${10 + index(local.node_names, name)}"
      public_ip = format(
        "127.%d.%d.%d",
        parseint(substr(terraform_data.node[name].id, 0, 2), 16) % 250 + 1,
        parseint(substr(terraform_data.node[name].id, 2, 2), 16),
        parseint(substr(terraform_data.node[name].id, 4, 2), 16) % 250 + 1,
      )
    }
  }

  group_roles = {
    masters      = "master"
    api_nodes    = "api"
    worker_nodes = "worker"
    infra_nodes  = "infra"
  }

  # The same host facts as modules/inventory renders for the real cluster. A copy, not a module
  # call: this root module ships inside the console's wheel, where infra/terraform/modules is not.
  hosts = {
    for name, n in local.nodes : name => {
      ansible_host      = local.instances[name].public_ip
      private_ip        = local.instances[name].private_ip
      instance_id       = local.instances[name].id
      availability_zone = local.instances[name].availability_zone
      provider_id       = "aws:///${local.instances[name].availability_zone}/${local.instances[name].id}"
      instance_type     = n.instance_type
      node_role         = n.role
      node_domain       = n.domain
      node_labels       = n.labels
      node_taints       = n.taints
    }
  }

  groups = {
    for group, role in local.group_roles : group => {
      for name, n in local.nodes : name => local.hosts[name] if n.role == role
    }
  }

  cdn_id = upper(substr(replace(terraform_data.cdn.id, "-", ""), 0, 14))
}
