output "vpc_id" {
  description = "VPC id"
  value       = aws_vpc.this.id
}

output "public_subnet_ids" {
  description = "Public subnet ids, one per AZ, in AZ order"
  value       = aws_subnet.public[*].id
}

output "availability_zones" {
  description = "AZs of the public subnets"
  value       = aws_subnet.public[*].availability_zone
}
