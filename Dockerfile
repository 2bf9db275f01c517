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
RUN python scripts/fetch_assets.py \
    && python scripts/compile_messages.py \
    && DEBUG=true python manage.py collectstatic --noinput

RUN useradd --system --uid 1000 okioki && mkdir -p /app/var && chown -R okioki /app/var
USER okioki
EXPOSE 8000
CMD ["gunicorn", "okioki.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60"]
