variable "topology_file" {
  description = "Path of infra/topology.yaml"
  type        = string
}
