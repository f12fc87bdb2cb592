# 13 nodes need more on-demand standard vCPUs than a new account's default quota (16).
# Failing the plan here names the fix; otherwise apply dies half-way with VcpuLimitExceeded
# (domain.md incident 8). Raise it with the console's quota action or the Service Quotas console.
data "aws_servicequotas_service_quota" "ec2_vcpus" {
  service_code = "ec2"
  quota_code   = "L-1216C47A" # Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances

  lifecycle {
    postcondition {
      condition     = self.value >= module.topology.required_vcpus
      error_message = "The EC2 on-demand standard vCPU quota (L-1216C47A) is below the ${module.topology.required_vcpus} vCPUs the topology needs: request an increase before applying."
    }
  }
}
