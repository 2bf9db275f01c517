# Production image: web, worker and beat all run from it (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_PYTHON_DOWNLOADS=never \
    PATH=/app/.venv/bin:$PATH

# WeasyPrint needs Pango; gettext compiles the catalogs; tesseract/poppler read scans.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
       libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 gettext \
       tesseract-ocr tesseract-ocr-nld tesseract-ocr-fra poppler-utils \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
RUN pip install --no-cache-dir uv==0.13.9
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
# Production settings (DEBUG off) so that collectstatic writes the hashed manifest that
# CompressedManifestStaticFilesStorage reads at run time; the values are for the build only.
RUN python scripts/fetch_assets.py \
    && PEPPOL_RULES_DIR=deploy/peppol-rules python scripts/fetch_rules.py \
    && python scripts/compile_messages.py \
    && SECRET_KEY=build-only-not-a-secret-build-only-not-a-secret-0000 DEBUG=false \
       ENCRYPTION_KEYS=YnVpbGQtb25seS1ub3QtYS1zZWNyZXQtYnVpbGQtMDA= ALLOWED_HOSTS=build.invalid \
       python manage.py collectstatic --noinput

# The app user owns its local state and the files volume (a new named volume copies this
# directory's owner, so uploads are writable).
RUN useradd --system --uid 1000 okioki \
    && mkdir -p /app/var /data/files \
    && chown -R okioki /app/var /data/files
USER okioki
EXPOSE 8000
CMD ["gunicorn", "okioki.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60"]
