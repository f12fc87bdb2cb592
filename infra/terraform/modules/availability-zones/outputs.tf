output "names" {
  description = "The chosen AZs (sorted), az_count of them; the plan stops when the region has too few"
  value       = local.chosen

  precondition {
    condition     = length(local.usable) >= var.az_count
    error_message = "Only ${length(local.usable)} AZs offer all of ${join(", ", sort(var.instance_types))}; ${var.az_count} are needed."
  }
}

output "usable" {
  description = "Every AZ that offers all the instance types"
  value       = local.usable
}
