# No provider: this module is evaluated offline by tests/infra with the terraform binary.
terraform {
  required_version = ">= 1.10"
}
