"""The operations' AWS clients: the core's (``ecoeco.console.aws``), which the read side's infra
source uses too."""

from __future__ import annotations

from ecoeco.console.aws import LOCAL_CREDENTIALS, aws_error, client, is_simulated, simulated_where

__all__ = ["LOCAL_CREDENTIALS", "aws_error", "client", "is_simulated", "simulated_where"]
