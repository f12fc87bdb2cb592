# Valid syntax, but the plan fails while evaluating: what an operator sees when a variable is wrong.
variable "instance_count" {
  type    = string
  default = "thirteen"
}

resource "terraform_data" "node" {
  count = tonumber(var.instance_count)
}
