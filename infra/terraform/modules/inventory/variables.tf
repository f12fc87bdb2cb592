variable "cluster" {
  description = "Cluster name"
  type        = string
}

variable "kubernetes_version" {
  description = "Kubernetes minor version"
  type        = string
}

variable "environment" {
  description = "Environment name"
  type        = string
}

variable "region" {
  description = "AWS region"
  type        = string
}

variable "domain_name" {
  description = "Apex domain"
  type        = string
}

variable "nodes" {
  description = "Map of node name to node, from the topology module"
  type        = any
}

variable "instances" {
  description = "Map of node name to {id, public_ip, private_ip, availability_zone}"
  type = map(object({
    id                = string
    public_ip         = string
    private_ip        = string
    availability_zone = string
  }))

  validation {
    condition     = alltrue([for i in values(var.instances) : i.id != "" && i.availability_zone != ""])
    error_message = "Every instance needs an id and an AZ (the providerID is built from them)."
  }
}

variable "template_file" {
  description = "Inventory template (templates/hosts.tpl)"
  type        = string
}

variable "cluster_facts" {
  description = "What Ansible needs from this apply besides the hosts (image bucket, ACM certificate ARN, ALB security group name)"
  type = object({
    images_bucket       = string
    acm_certificate_arn = string
    alb_security_group  = string
  })
}
