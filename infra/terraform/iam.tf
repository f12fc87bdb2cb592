# One role for every node: kubeadm nodes have no IRSA, so add-ons (EBS CSI, ALB controller)
# use the instance profile.
data "aws_iam_policy_document" "ec2_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "node" {
  name               = "${local.name_prefix}-node"
  assume_role_policy = data.aws_iam_policy_document.ec2_assume.json
}

resource "aws_iam_instance_profile" "node" {
  name = "${local.name_prefix}-node"
  role = aws_iam_role.node.name
}

locals {
  node_managed_policies = {
    ssm     = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
    ebs_csi = "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"
    ecr     = "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"
  }
}

resource "aws_iam_role_policy_attachment" "node_managed" {
  for_each = local.node_managed_policies

  role       = aws_iam_role.node.name
  policy_arn = each.value
}

# Workers read uploads and write thumbnails in the image bucket, and nothing else in S3.
data "aws_iam_policy_document" "images" {
  statement {
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.images.arn}/*"]
  }
  statement {
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.images.arn]
  }
}

resource "aws_iam_policy" "images" {
  name   = "${local.name_prefix}-images"
  policy = data.aws_iam_policy_document.images.json
}

resource "aws_iam_role_policy_attachment" "node_images" {
  role       = aws_iam_role.node.name
  policy_arn = aws_iam_policy.images.arn
}
