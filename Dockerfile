# Stage 1: build the wheel (it carries manifest.json, webhooks/, graphql/, dashboard/ and docs/).
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md manifest.json ./
COPY saleor_app ./saleor_app
COPY webhooks ./webhooks
COPY graphql ./graphql
COPY dashboard ./dashboard
COPY docs ./docs
RUN pip install 'hatchling>=1.25' \
    && pip wheel --no-deps --no-build-isolation --wheel-dir /wheels .

# Stage 2: the wheel and its pinned dependencies only, run by a user without privileges.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATA_DIR=/data
RUN groupadd --system --gid 10001 rotp \
    && useradd --system --uid 10001 --gid rotp --home-dir /data --shell /usr/sbin/nologin rotp \
    && mkdir -p /data \
    && chown rotp:rotp /data \
    && chmod 700 /data
COPY constraints.txt /tmp/constraints.txt
COPY --from=build /wheels /tmp/wheels
RUN pip install --constraint /tmp/constraints.txt /tmp/wheels/*.whl \
    && rm -rf /tmp/wheels /tmp/constraints.txt
USER rotp
WORKDIR /data
EXPOSE 8470
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8470/readyz', timeout=4).status == 200 else 1)"]
CMD ["saleor-reverse-otp", "serve", "--host", "0.0.0.0", "--port", "8470"]
