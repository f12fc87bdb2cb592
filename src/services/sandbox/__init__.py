"""``ecoeco-sandbox``: the whole Eco² platform on 127.0.0.1 for development and demos.

The modules: ``settings`` (env overrides), ``state`` (state dir, state file, ``read_status``),
``processes`` (detached children, process groups), ``prereqs`` (PostgreSQL/RabbitMQ/Redis),
``components`` (what runs and how), ``aws`` (moto S3 + CloudFront), ``prometheus_config``,
``profile`` (console profile), ``secrets_file`` (JWT secret), ``urls`` (masking),
``supervisor`` (up/down), ``load`` and ``images`` (traffic), ``cli``. See docs/sandbox.md.
"""
