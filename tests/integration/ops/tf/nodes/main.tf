# A root module with Terraform's built-in provider only: one terraform_data per node, like the
# real module's for_each over topology.yaml, plus an output for the inventory and a sensitive one.
variable "nodes" {
  type    = list(string)
  default = ["k8s-master", "k8s-api-auth"]
}

variable "generation" {
  type    = string
  default = "1"
}

resource "terraform_data" "node" {
  for_each         = toset(var.nodes)
  input            = { name = each.key }
  triggers_replace = [var.generation]
}

output "node_names" {
  value = sort([for n in terraform_data.node : n.output.name])
}

output "join_token" {
  value     = "tok-5ecret-${var.generation}"
  sensitive = true
}
