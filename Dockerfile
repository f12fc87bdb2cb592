# syntax=docker/dockerfile:1
# One image for the six APIs and the two workers. The charts pass the command as args only:
#   ["ecoeco-api", "<service>", "--host", "0.0.0.0", "--port", "8000"]
#   ["ecoeco-api", "migrate", "<service>"]
#   ["ecoeco-worker", "storage|ai", "--metrics-port", "9108", ...]
# so the image has no ENTRYPOINT and its programs are on PATH. It runs as uid 10001 with a
# read-only root filesystem (only /tmp and the worker's journal volume are written) and never
# needs a shell. Dependencies come from uv.lock exactly (uv sync --frozen).
#
# BASE_IMAGE is any Debian-family image with CPython 3.11 (python3 -m venv must work) and the
# system time zone data (tzdata: kombu loads UTC from it): the
# official python:3.11-slim-bookworm in CI, or a local mmdebstrap base where no registry can be
# reached (tests/image). Build and run stages use the same base, so the venv's interpreter
# path (/usr/local/bin/python3 or /usr/bin/python3) exists in both.
ARG BASE_IMAGE=docker.io/library/python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS build
ARG UV_VERSION=0.13.9
# Only for builds behind a TLS-inspecting proxy: a CA bundle mounted into the build
# (buildah bud -v /etc/ssl/certs/ca-certificates.crt:...:ro --build-arg PIP_CERT=...).
# Declared without a value: unset unless passed.
ARG PIP_CERT
ARG SSL_CERT_FILE
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    UV_NO_CACHE=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON_PREFERENCE=only-system \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /src
RUN python3 -m venv /opt/uv \
 && /opt/uv/bin/pip install --quiet "uv==${UV_VERSION}"
# Dependencies first (cached while only the source changes), the project itself after.
COPY pyproject.toml uv.lock README.md ./
COPY container/image_packages.py container/
RUN /opt/uv/bin/uv sync --frozen --no-dev --extra platform --no-install-project --python python3 \
      $(python3 container/image_packages.py uv.lock)
COPY src ./src
RUN /opt/uv/bin/uv sync --frozen --no-dev --extra platform --no-editable --python python3 \
      $(python3 container/image_packages.py uv.lock) \
 && /app/.venv/bin/python -c "import ecoeco.services.api_cli, ecoeco.services.workers.cli"

FROM ${BASE_IMAGE} AS runtime
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="ecoeco" \
      org.opencontainers.image.description="Eco² platform: the six APIs (ecoeco-api) and two workers (ecoeco-worker)" \
      org.opencontainers.image.source="https://github.com/ecoeco/eco2-ops" \
      org.opencontainers.image.version="${VERSION}"
# A named user for uid 10001 (the charts' runAsUser), so tools that look the uid up find it.
RUN groupadd --gid 10001 ecoeco \
 && useradd --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin ecoeco
COPY --from=build /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:/usr/local/bin:/usr/bin:/bin \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    ECOECO_WAL_DIR=/var/lib/ecoeco/wal
WORKDIR /tmp
USER 10001:10001
EXPOSE 8000 9108
CMD ["ecoeco-api", "--help"]
