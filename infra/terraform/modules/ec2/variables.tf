variable "cluster" {
  description = "Kubernetes cluster name (cluster ownership tag)"
  type        = string
}

variable "nodes" {
  description = "Map of node name to node, from the topology module"
  type = map(object({
    name          = string
    role          = string
    domain        = string
    instance_type = string
    root_disk_gb  = number
    subnet_index  = number
    labels        = map(string)
    taints        = list(object({ key = string, value = string, effect = string }))
  }))
}

variable "subnet_ids" {
  description = "Subnets; a node goes to subnet_ids[subnet_index % length]"
  type        = list(string)
}

variable "security_group_ids_by_role" {
  description = "Security group ids for each topology role"
  type        = map(list(string))
}

variable "key_name" {
  description = "Existing EC2 key pair"
  type        = string
}

variable "iam_instance_profile" {
  description = "Instance profile of every node"
  type        = string
}

variable "volume_tags" {
  description = "Tags for root volumes (provider default_tags do not cover them)"
  type        = map(string)
  default     = {}
}
