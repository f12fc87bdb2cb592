output "ansible_inventory" {
  description = "Ansible YAML inventory; write it to infra/ansible/inventory/hosts.yml after every apply"
  value       = local.inventory
}

output "node_map_json" {
  description = "JSON node map: name to role, domain, instance, addresses, labels, taints"
  value       = jsonencode(local.hosts)
}
