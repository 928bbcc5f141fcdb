# The portal image: gunicorn serves the web app; the same image runs the Celery worker and beat
# (see docker-compose.yml). Static files are collected at build time and served by WhiteNoise.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY manage.py pyproject.toml ./
COPY portal ./portal
COPY reports ./reports
COPY templates ./templates
COPY static ./static
COPY locale ./locale

# collectstatic loads the settings, which demand a SECRET_KEY and a BURDEN_PERTURBATION_KEY when
# DEBUG is off: placeholders given to this one command only, never baked into the image's environment.
RUN SECRET_KEY=collectstatic-build-placeholder BURDEN_PERTURBATION_KEY=collectstatic-build-placeholder \
        DATABASE_URL=sqlite:////tmp/build.sqlite3 \
        python manage.py collectstatic --no-input --verbosity 0 \
    && rm -f /tmp/build.sqlite3

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin burden \
    && mkdir -p /app/var \
    && chown burden /app/var
USER burden

EXPOSE 8000
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
