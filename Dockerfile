# Mapwright's production image: gunicorn (uvicorn workers) serving Django over ASGI, static files by whitenoise.
# Not built on the development machines (no Docker engine there); see README.
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

RUN useradd --create-home --uid 10001 mapwright

COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY --chown=mapwright:mapwright . .

# collectstatic needs settings, not secrets: a throwaway key for this step only.
RUN DJANGO_SECRET_KEY=collectstatic-only-not-a-real-key python manage.py collectstatic --no-input

USER mapwright
EXPOSE 8000

# gunicorn with uvicorn's worker (config/gunicorn.py): pages, the API and the live board's WebSockets.
CMD ["gunicorn", "--config", "config/gunicorn.py", "config.asgi:application"]
