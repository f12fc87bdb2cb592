"""``ecoeco-sandbox``: the whole Eco² platform on 127.0.0.1 for development and demos.

The modules: ``settings`` (env overrides), ``state`` (state dir, writing the state file; the file's
format and ``read_status`` are ``ecoeco.shared.sandbox_state``), ``processes`` (detached children,
process groups), ``prereqs`` (PostgreSQL/RabbitMQ/Redis), ``components`` (what runs and how), ``aws``
(moto S3 + CloudFront), ``prometheus_config``, ``secrets_file`` (JWT secret), ``urls``,
``supervisor`` (up/down), ``load`` and ``images`` (traffic), ``cli``. See docs/sandbox.md.

The sandbox writes only its own state; the console derives its ``sandbox`` profile from it.
"""
