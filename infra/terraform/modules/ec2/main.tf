data "aws_ami" "ubuntu" {
  most_recent = true
  owners      = ["099720109477"] # Canonical

  filter {
    name   = "name"
    values = ["ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*"]
  }

  filter {
    name   = "virtualization-type"
    values = ["hvm"]
  }
}

# One instance per topology node (for_each keeps addresses stable when nodes are added).
resource "aws_instance" "node" {
  for_each = var.nodes

  ami                    = data.aws_ami.ubuntu.id
  instance_type          = each.value.instance_type
  subnet_id              = var.subnet_ids[each.value.subnet_index % length(var.subnet_ids)]
  vpc_security_group_ids = var.security_group_ids_by_role[each.value.role]
  key_name               = var.key_name
  iam_instance_profile   = var.iam_instance_profile
  # No NAT gateway: nodes reach the internet and the operators' SSH through their own public
  # IP (SSH and 6443 open to ssh_allowed_cidr only). Accepted in infra/checkov.yaml.
  associate_public_ip_address = true

  # Pods route through the node; the AWS cloud provider and CNI need it off.
  source_dest_check = false

  user_data = templatefile("${path.module}/user-data.sh.tpl", {
    hostname = each.key
  })
  user_data_replace_on_change = true

  root_block_device {
    volume_type           = "gp3"
    volume_size           = each.value.root_disk_gb
    encrypted             = true
    delete_on_termination = true
    # default_tags do not reach root volumes; tag them so cleanup by tag finds them.
    tags = merge(var.volume_tags, {
      Name = "${each.key}-root"
    })
  }

  metadata_options {
    http_tokens = "required"
    # 2 hops so pods (ALB controller, EBS CSI) can reach IMDSv2 through the node.
    http_put_response_hop_limit = 2
  }

  tags = {
    Name                                   = each.key
    Role                                   = each.value.role
    Domain                                 = each.value.domain
    "kubernetes.io/cluster/${var.cluster}" = "owned"
  }

  lifecycle {
    ignore_changes = [ami]
  }
}
