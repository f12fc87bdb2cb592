# Renders the Ansible inventory and the node map from the topology and the live instances.
# No provider: tests render it offline with the real terraform binary and ansible-inventory.
locals {
  group_roles = {
    masters      = "master"
    api_nodes    = "api"
    worker_nodes = "worker"
    infra_nodes  = "infra"
  }

  hosts = {
    for name, n in var.nodes : name => {
      ansible_host      = var.instances[name].public_ip
      private_ip        = var.instances[name].private_ip
      instance_id       = var.instances[name].id
      availability_zone = var.instances[name].availability_zone
      # kubelet/ALB need aws:///<az>/<instance-id>; an empty id broke target groups (incident 4).
      provider_id   = "aws:///${var.instances[name].availability_zone}/${var.instances[name].id}"
      instance_type = n.instance_type
      node_role     = n.role
      node_domain   = n.domain
      node_labels   = n.labels
      node_taints   = n.taints
    }
  }

  groups = {
    for group, role in local.group_roles : group => {
      for name, n in var.nodes : name => local.hosts[name] if n.role == role
    }
  }

  inventory = templatefile(var.template_file, {
    cluster            = var.cluster
    kubernetes_version = var.kubernetes_version
    environment        = var.environment
    region             = var.region
    domain_name        = var.domain_name
    cluster_facts      = var.cluster_facts
    groups             = local.groups
  })
}
