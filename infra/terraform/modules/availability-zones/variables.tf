variable "zones" {
  description = "Available availability zones of the region (aws_availability_zones names)"
  type        = list(string)
}

variable "offerings" {
  description = "Instance type offerings by AZ: parallel lists of locations and instance types (aws_ec2_instance_type_offerings)"
  type = object({
    locations      = list(string)
    instance_types = list(string)
  })
}

variable "instance_types" {
  description = "Instance types every chosen AZ must offer (the topology's)"
  type        = set(string)
}

variable "az_count" {
  description = "How many AZs to choose"
  type        = number
}
