"""The layer every Eco² API service is built on.

- ``app.create_service_app``: the factory (lifespan, middleware, handlers, /health, /ready, /metrics).
- ``settings`` (``ECOECO_*``), ``job_status`` (the job status hash: guarded writers, reader),
  ``messaging`` (RabbitMQ topology).
- ``errors`` (problem+json), ``limits`` (413), ``metrics``, ``logging`` (JSON, redacted), ``health``.
- ``db`` (psycopg pool, ``get_conn``), ``cache`` (Redis, ``get_redis``), ``storage`` (S3 client),
  ``migrations`` (per-schema SQL files under an advisory lock), ``security`` (JWT, ``require_user``).
"""
