variable "name" {
  description = "Name prefix"
  type        = string
}

variable "cluster" {
  description = "Kubernetes cluster name (subnet discovery tag)"
  type        = string
}

variable "cidr" {
  description = "VPC CIDR"
  type        = string
}

variable "az_count" {
  description = "Number of AZs, one public subnet each"
  type        = number
  default     = 3

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 6
    error_message = "az_count must be between 2 (ALB minimum) and 6."
  }
}

variable "instance_types" {
  description = "Instance types the nodes use: every chosen AZ must offer all of them"
  type        = set(string)
}
