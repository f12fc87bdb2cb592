# Explicit ports only. Pod-to-pod traffic (RabbitMQ, PostgreSQL, Redis included) rides Calico
# VXLAN between nodes, so no database or broker port is opened on any group, let alone to the
# internet. Closing 5473 (Typha) once took every node NotReady (domain.md incident 11).
locals {
  # Between any two cluster nodes (self-referencing on the nodes group).
  node_to_node = {
    kubelet       = { from = 10250, to = 10250, protocol = "tcp", description = "kubelet API" }
    calico_vxlan  = { from = 4789, to = 4789, protocol = "udp", description = "Calico VXLAN overlay" }
    calico_typha  = { from = 5473, to = 5473, protocol = "tcp", description = "Calico Typha" }
    nodeports     = { from = 30000, to = 32767, protocol = "tcp", description = "Kubernetes NodePorts" }
    node_exporter = { from = 9100, to = 9100, protocol = "tcp", description = "node-exporter scrape" }
    kube_proxy    = { from = 10256, to = 10256, protocol = "tcp", description = "kube-proxy health" }
  }

  # Into the control plane from every node.
  node_to_control_plane = {
    apiserver = { from = 6443, to = 6443, protocol = "tcp", description = "Kubernetes API" }
  }

  # Among control-plane members only.
  control_plane_internal = {
    etcd               = { from = 2379, to = 2380, protocol = "tcp", description = "etcd client and peer" }
    controller_manager = { from = 10257, to = 10257, protocol = "tcp", description = "kube-controller-manager" }
    scheduler          = { from = 10259, to = 10259, protocol = "tcp", description = "kube-scheduler" }
  }

  # From the operators' CIDR only.
  admin_to_nodes = {
    ssh = { from = 22, to = 22, protocol = "tcp", description = "SSH from the admin CIDR" }
  }
  admin_to_control_plane = {
    apiserver = { from = 6443, to = 6443, protocol = "tcp", description = "Kubernetes API from the admin CIDR" }
  }

  # The only ports open to the internet: HTTP(S) on the load balancer.
  internet_to_alb = {
    http_v4  = { from = 80, to = 80, protocol = "tcp", cidr_ipv4 = "0.0.0.0/0", cidr_ipv6 = null, description = "HTTP" }
    https_v4 = { from = 443, to = 443, protocol = "tcp", cidr_ipv4 = "0.0.0.0/0", cidr_ipv6 = null, description = "HTTPS" }
    http_v6  = { from = 80, to = 80, protocol = "tcp", cidr_ipv4 = null, cidr_ipv6 = "::/0", description = "HTTP (IPv6)" }
    https_v6 = { from = 443, to = 443, protocol = "tcp", cidr_ipv4 = null, cidr_ipv6 = "::/0", description = "HTTPS (IPv6)" }
  }
}

resource "aws_security_group" "nodes" {
  name        = "${var.name}-nodes"
  description = "Every Kubernetes node"
  vpc_id      = var.vpc_id

  tags = {
    Name = "${var.name}-nodes"
  }
}

resource "aws_security_group" "control_plane" {
  name        = "${var.name}-control-plane"
  description = "Kubernetes control plane (master)"
  vpc_id      = var.vpc_id

  tags = {
    Name = "${var.name}-control-plane"
  }
}

resource "aws_security_group" "alb" {
  name        = "${var.name}-alb"
  description = "Internet-facing load balancers"
  vpc_id      = var.vpc_id

  tags = {
    Name = "${var.name}-alb"
  }
}

resource "aws_vpc_security_group_ingress_rule" "node_to_node" {
  for_each = local.node_to_node

  security_group_id            = aws_security_group.nodes.id
  referenced_security_group_id = aws_security_group.nodes.id
  from_port                    = each.value.from
  to_port                      = each.value.to
  ip_protocol                  = each.value.protocol
  description                  = each.value.description
}

resource "aws_vpc_security_group_ingress_rule" "alb_to_nodeports" {
  security_group_id            = aws_security_group.nodes.id
  referenced_security_group_id = aws_security_group.alb.id
  from_port                    = 30000
  to_port                      = 32767
  ip_protocol                  = "tcp"
  description                  = "ALB to NodePorts (instance targets)"
}

resource "aws_vpc_security_group_ingress_rule" "node_to_control_plane" {
  for_each = local.node_to_control_plane

  security_group_id            = aws_security_group.control_plane.id
  referenced_security_group_id = aws_security_group.nodes.id
  from_port                    = each.value.from
  to_port                      = each.value.to
  ip_protocol                  = each.value.protocol
  description                  = each.value.description
}

resource "aws_vpc_security_group_ingress_rule" "control_plane_internal" {
  for_each = local.control_plane_internal

  security_group_id            = aws_security_group.control_plane.id
  referenced_security_group_id = aws_security_group.control_plane.id
  from_port                    = each.value.from
  to_port                      = each.value.to
  ip_protocol                  = each.value.protocol
  description                  = each.value.description
}

resource "aws_vpc_security_group_ingress_rule" "admin_to_nodes" {
  for_each = local.admin_to_nodes

  security_group_id = aws_security_group.nodes.id
  cidr_ipv4         = var.ssh_allowed_cidr
  from_port         = each.value.from
  to_port           = each.value.to
  ip_protocol       = each.value.protocol
  description       = each.value.description
}

resource "aws_vpc_security_group_ingress_rule" "admin_to_control_plane" {
  for_each = local.admin_to_control_plane

  security_group_id = aws_security_group.control_plane.id
  cidr_ipv4         = var.ssh_allowed_cidr
  from_port         = each.value.from
  to_port           = each.value.to
  ip_protocol       = each.value.protocol
  description       = each.value.description
}

resource "aws_vpc_security_group_ingress_rule" "internet_to_alb" {
  for_each = local.internet_to_alb

  security_group_id = aws_security_group.alb.id
  cidr_ipv4         = each.value.cidr_ipv4
  cidr_ipv6         = each.value.cidr_ipv6
  from_port         = each.value.from
  to_port           = each.value.to
  ip_protocol       = each.value.protocol
  description       = each.value.description
}

# Nodes pull images and packages from the internet; the ALB only talks to the VPC.
resource "aws_vpc_security_group_egress_rule" "nodes_all" {
  security_group_id = aws_security_group.nodes.id
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "-1"
  description       = "All outbound"
}

resource "aws_vpc_security_group_egress_rule" "control_plane_all" {
  security_group_id = aws_security_group.control_plane.id
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "-1"
  description       = "All outbound"
}

resource "aws_vpc_security_group_egress_rule" "alb_to_vpc" {
  security_group_id = aws_security_group.alb.id
  cidr_ipv4         = var.vpc_cidr
  ip_protocol       = "-1"
  description       = "To targets in the VPC"
}
