#!/bin/bash
# First boot only: the node name must equal the topology name, because labels, taints and the
# inventory are keyed by it. Everything else is Ansible's job.
set -euo pipefail
hostnamectl set-hostname ${hostname}
echo "127.0.1.1 ${hostname}" >> /etc/hosts
