# Minh Bạch production image.
#   docker build -t minhbach .
#   docker run -p 8000:8000 -e SECRET_KEY=... -v minhbach-data:/data minhbach
# Or with PostgreSQL: docker-compose.yml beside this file.
#
# Both stages must use the same base image: the venv in /opt/venv points at its Python.
ARG PYTHON_IMAGE=python:3.11-slim

# ---------------------------------------------------------------------------- builder
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

# Runtime dependencies only, at exactly the versions in requirements.lock.
# requirements.lock pins the whole tree *including* the dev tools (pytest, playwright, ...),
# so it is used as a constraints file (-c) rather than installed: pip installs the
# [project].dependencies of pyproject.toml plus whatever they need, and every one of those
# packages is held to its lock pin. Plain `pip install .` would pin only the direct
# dependencies and resolve the transitive ones afresh. No compiler is needed: all of them
# come as wheels except feedgen, which is pure Python.
# This layer only changes when pyproject.toml or the lock does.
COPY pyproject.toml requirements.lock /tmp/deps/
RUN python -c "import tomllib; f = open('/tmp/deps/pyproject.toml', 'rb'); \
print('\n'.join(tomllib.load(f)['project']['dependencies']))" > /tmp/deps/runtime.txt \
 && pip install -c /tmp/deps/requirements.lock -r /tmp/deps/runtime.txt \
 && pip check

# The app tree. app/ finds templates/, static/, translations/, migrations/ and alembic.ini
# next to itself, so they are kept together in /app, and the project is installed editable
# (no copy in site-packages) to give the `minhbach` command that imports /app/app.
# The whole (filtered, see .dockerignore) context is copied first and the runtime parts picked
# from it, so that a missing optional folder (translations/ while it is empty) breaks nothing.
COPY . /src
RUN mkdir -p /app /src/translations \
 && cp -a /src/app /src/migrations /src/alembic.ini /src/templates /src/static /src/translations \
          /src/pyproject.toml /app/ \
 && if [ -f /src/README.md ]; then cp /src/README.md /app/; fi \
 && find /app -name __pycache__ -prune -exec rm -rf '{}' + \
 && pip install --no-deps -e /app \
 && rm -rf /app/build \
 && python -m compileall -q /app/app

# ---------------------------------------------------------------------------- runtime
FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATA_DIR=/data

RUN groupadd --system --gid 10001 minhbach \
 && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home \
            --shell /usr/sbin/nologin minhbach \
 && mkdir -p /data \
 && chown 10001:10001 /data

# Code and packages stay owned by root (read-only for the app); only /data is writable.
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /app /app
WORKDIR /app

# Fail the build, not the first request, if something the app needs at run time is missing:
# the official python slim images ship Debian's tzdata (/usr/share/zoneinfo) for zoneinfo.
RUN python -c "from zoneinfo import ZoneInfo; ZoneInfo('Asia/Ho_Chi_Minh')" \
 && minhbach --help > /dev/null

USER 10001:10001
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]

# `run` applies the migrations, then serves with uvicorn.
CMD ["minhbach", "run", "--host", "0.0.0.0", "--port", "8000"]
