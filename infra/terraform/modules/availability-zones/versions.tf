# No provider: the selection is evaluated offline by tests/infra with the terraform binary; the
# vpc module feeds it the data sources.
terraform {
  required_version = ">= 1.10"
}
