output "instances" {
  description = "Map of node name to id, addresses and AZ"
  value = {
    for name, i in aws_instance.node : name => {
      id                = i.id
      public_ip         = i.public_ip
      private_ip        = i.private_ip
      availability_zone = i.availability_zone
    }
  }
}
