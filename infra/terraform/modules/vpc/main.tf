# Regular AZs only (no Local/Wavelength zones), then only those offering every instance type
# the topology uses (modules/availability-zones chooses; tests/infra runs it offline).
data "aws_availability_zones" "available" {
  state = "available"

  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }
}

data "aws_ec2_instance_type_offerings" "zones" {
  location_type = "availability-zone"

  filter {
    name   = "instance-type"
    values = sort(var.instance_types)
  }

  filter {
    name   = "location"
    values = data.aws_availability_zones.available.names
  }
}

module "zones" {
  source = "../availability-zones"

  zones          = data.aws_availability_zones.available.names
  instance_types = var.instance_types
  az_count       = var.az_count
  offerings = {
    locations      = data.aws_ec2_instance_type_offerings.zones.locations
    instance_types = data.aws_ec2_instance_type_offerings.zones.instance_types
  }
}

resource "aws_vpc" "this" {
  cidr_block           = var.cidr
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = {
    Name = "${var.name}-vpc"
  }
}

# The VPC's default security group: no rule at all (nothing uses it; every instance gets the
# explicit groups of modules/security-groups).
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id

  tags = {
    Name = "${var.name}-default-deny"
  }
}

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id

  tags = {
    Name = "${var.name}-igw"
  }
}

# One public subnet per AZ; the elb role tag lets the ALB controller discover them.
resource "aws_subnet" "public" {
  count = var.az_count

  vpc_id            = aws_vpc.this.id
  cidr_block        = cidrsubnet(var.cidr, 8, count.index + 1)
  availability_zone = module.zones.names[count.index]
  # Nodes get their public IPs explicitly (modules/ec2: associate_public_ip_address), not by
  # subnet default; see infra/checkov.yaml.
  map_public_ip_on_launch = false

  tags = {
    Name                                   = "${var.name}-public-${count.index + 1}"
    "kubernetes.io/role/elb"               = "1"
    "kubernetes.io/cluster/${var.cluster}" = "owned"
  }
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id

  tags = {
    Name = "${var.name}-public"
  }
}

resource "aws_route" "internet" {
  route_table_id         = aws_route_table.public.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this.id
}

resource "aws_route_table_association" "public" {
  count = var.az_count

  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public.id
}
