# Chooses the AZs by what they offer, not by position: an AZ qualifies only if every instance
# type of the topology is offered there (t3a is missing from some AZs of some regions, and
# "names[0..2]" then failed the apply half-way with Unsupported instance type).
locals {
  offered = {
    for az in var.zones : az => toset([
      for i, location in var.offerings.locations : var.offerings.instance_types[i] if location == az
    ])
  }
  usable = sort([for az in var.zones : az if length(setsubtract(var.instance_types, local.offered[az])) == 0])
  chosen = slice(local.usable, 0, min(var.az_count, length(local.usable)))
}
