output "nodes_id" {
  description = "Group of every node"
  value       = aws_security_group.nodes.id
}

output "control_plane_id" {
  description = "Group of the control plane"
  value       = aws_security_group.control_plane.id
}

output "alb_id" {
  description = "Group for internet-facing ALBs (pass to the ALB controller)"
  value       = aws_security_group.alb.id
}

output "alb_name" {
  description = "Name tag of the ALB group: the Ingresses attach it by name (alb.ingress.kubernetes.io/security-groups)"
  value       = aws_security_group.alb.tags["Name"]
}
