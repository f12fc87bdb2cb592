# The AWS Load Balancer Controller policy, defined once here (the original also declared it in
# iam.tf, and the second apply failed with EntityAlreadyExists).
resource "aws_iam_policy" "alb_controller" {
  name        = "${local.name_prefix}-alb-controller"
  description = "AWS Load Balancer Controller"
  policy      = file("${path.module}/policies/alb-controller.json")
}

resource "aws_iam_role_policy_attachment" "node_alb_controller" {
  role       = aws_iam_role.node.name
  policy_arn = aws_iam_policy.alb_controller.arn
}
