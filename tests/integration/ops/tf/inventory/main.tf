# Renders an Ansible inventory as the real root module does (output ansible_inventory), for hosts
# that Ansible reaches locally: the console renders it before every Ansible run and shows the drift.
variable "hosts" {
  type    = map(string)
  default = { localhost = "127.0.0.1" }
}

resource "terraform_data" "host" {
  for_each = var.hosts
  input    = { name = each.key, ip = each.value }
}

output "ansible_inventory" {
  value = yamlencode({
    all = {
      vars = { out_dir = "{{ inventory_dir }}/out" }
      hosts = {
        for name, h in terraform_data.host : name => {
          ansible_host               = h.output.ip
          ansible_connection         = "local"
          ansible_python_interpreter = "{{ ansible_playbook_python }}"
        }
      }
    }
  })
}
