FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATA_DIR=/data

RUN groupadd --system --gid 10001 rotp \
    && useradd --system --uid 10001 --gid rotp --home-dir /app --shell /usr/sbin/nologin rotp \
    && mkdir -p /app /data \
    && chown rotp:rotp /data

WORKDIR /app

COPY pyproject.toml README.md manifest.json ./
COPY saleor_app ./saleor_app
COPY webhooks ./webhooks
COPY graphql ./graphql
COPY dashboard ./dashboard

# Editable install: the app finds manifest.json, webhooks/, graphql/ and dashboard/ next to the
# saleor_app package (saleor_app/paths.py); a plain `pip install .` would move the package into
# site-packages, away from them.
RUN pip install --editable . \
    && chown -R root:root /app \
    && chmod -R a+rX /app

USER rotp

EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]

CMD ["saleor-reverse-otp", "serve", "--host", "0.0.0.0", "--port", "8000"]
