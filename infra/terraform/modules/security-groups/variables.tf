variable "name" {
  description = "Name prefix"
  type        = string
}

variable "vpc_id" {
  description = "VPC of the groups"
  type        = string
}

variable "vpc_cidr" {
  description = "VPC CIDR (ALB egress)"
  type        = string
}

variable "ssh_allowed_cidr" {
  description = "The only CIDR allowed to SSH and the Kubernetes API"
  type        = string
}
