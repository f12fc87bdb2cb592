# default_tags put the project's tags on every taggable resource, so cleanup can be scoped by
# tag alone (domain.md: never by "every non-default VPC" or "every unattached volume").
provider "aws" {
  region = var.region

  default_tags {
    tags = local.tags
  }
}

# CloudFront only accepts ACM certificates issued in us-east-1.
provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"

  default_tags {
    tags = local.tags
  }
}
