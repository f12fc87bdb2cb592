terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
  }

  # Remote state in S3 with S3-native locking (use_lockfile, Terraform >= 1.10).
  # Settings come from `terraform init -backend-config=backend.s3.hcl` (see backend.s3.hcl.example).
  # Local runs switch it off by copying local_backend_override.tf.example to backend_override.tf.
  backend "s3" {}
}
