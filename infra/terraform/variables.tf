variable "region" {
  description = "AWS region of the cluster"
  type        = string
  default     = "ap-northeast-2"
}

variable "environment" {
  description = "Environment name; part of every tag and resource name"
  type        = string
  default     = "prod"

  validation {
    condition     = contains(["prod", "staging", "dev"], var.environment)
    error_message = "environment must be one of prod, staging, dev."
  }
}

variable "project" {
  description = "Project tag value; cleanup is scoped by this tag"
  type        = string
  default     = "ecoeco"
}

variable "domain_name" {
  description = "Apex domain (a Route53 hosted zone must exist for it)"
  type        = string
  default     = "ecoeco.app"
}

variable "api_subdomain" {
  description = "Subdomain of the API (api.<domain>)"
  type        = string
  default     = "api"
}

variable "images_subdomain" {
  description = "Subdomain of the image CDN (images.<domain>)"
  type        = string
  default     = "images"
}

variable "ssh_allowed_cidr" {
  description = "The only CIDR allowed to reach SSH (22) and the Kubernetes API (6443)"
  type        = string

  validation {
    condition     = can(cidrhost(var.ssh_allowed_cidr, 0)) && var.ssh_allowed_cidr != "0.0.0.0/0"
    error_message = "ssh_allowed_cidr must be a valid CIDR and not 0.0.0.0/0."
  }
}

variable "key_name" {
  description = "Name of an existing EC2 key pair for SSH (not created here: avoids InvalidKeyPair.Duplicate on rebuild)"
  type        = string
}

variable "vpc_cidr" {
  description = "CIDR of the cluster VPC"
  type        = string
  default     = "10.0.0.0/16"
}

variable "az_count" {
  description = "Number of availability zones (one public subnet each)"
  type        = number
  default     = 3
}


variable "alb_group_name" {
  description = "Ingress group of the shared ALB (alb_group_name in infra/ansible): how its DNS records find it"
  type        = string
  default     = "ecoeco"
}

variable "image_retention_days" {
  description = "Uploaded images are deleted after this many days"
  type        = number
  default     = 90
}

variable "topology_file" {
  description = "The one list of nodes; everything node-shaped derives from it"
  type        = string
  default     = ""
}
