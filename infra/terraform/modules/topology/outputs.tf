output "cluster" {
  description = "Cluster name from the topology"
  value       = local.topology.cluster
}

output "kubernetes_version" {
  description = "Kubernetes minor version from the topology"
  value       = local.topology.kubernetes_version
}

output "nodes" {
  description = "Map of node name to node (role, domain, instance_type, root_disk_gb, subnet_index, labels, taints)"
  value       = local.nodes
}

output "required_vcpus" {
  description = "On-demand standard vCPUs the nodes need (checked against the account quota)"
  value       = local.required_vcpus
}

output "instance_types" {
  description = "Instance types the nodes use"
  value       = toset([for n in values(local.nodes) : n.instance_type])
}
