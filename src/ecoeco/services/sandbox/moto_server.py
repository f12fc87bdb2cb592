"""The sandbox's AWS endpoint: moto's server with the EC2 vCPU quota and its increase requests
(``moto_quotas``). ``python -m ecoeco.services.sandbox.moto_server -H 127.0.0.1 -p PORT``."""

from __future__ import annotations

from moto.server import main as moto_main

from ecoeco.shared.moto_quotas import install


def main(argv: list[str] | None = None) -> None:
    install()
    moto_main(argv)


if __name__ == "__main__":
    main()
