# Reads infra/topology.yaml, the only list of nodes. No provider: tests evaluate this module
# offline with the real terraform binary.
locals {
  topology = yamldecode(file(var.topology_file))

  # Taint values are optional in the YAML; normalise to "" so every consumer sees one shape.
  nodes = {
    for n in local.topology.nodes : n.name => {
      name          = n.name
      role          = n.role
      domain        = n.domain
      instance_type = n.instance_type
      root_disk_gb  = n.root_disk_gb
      subnet_index  = try(n.subnet_index, 0)
      labels        = try(n.labels, {})
      taints = [
        for t in try(n.taints, []) : {
          key    = t.key
          value  = try(tostring(t.value), "")
          effect = t.effect
        }
      ]
    }
  }
}

locals {
  # Each instance type must be described in topology.yaml's instance_types.
  instance_types = local.topology.instance_types
  required_vcpus = sum([for n in values(local.nodes) : local.instance_types[n.instance_type].vcpus])
}
