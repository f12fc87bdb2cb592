# The second resource takes a minute (a local-exec provisioner), so a test can cancel the apply
# while it runs and see Terraform stop cleanly with the first resource in its state.
resource "terraform_data" "fast" {
  input = "first"
}

resource "terraform_data" "slow" {
  depends_on = [terraform_data.fast]
  input      = "second"

  provisioner "local-exec" {
    command = "echo provisioning started; sleep 60"
  }
}
