# CareCoord: one image for web (gunicorn), worker and beat (celery). See docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=carecoord.settings \
    DJANGO_ENV=production \
    CARECOORD_VAR_DIR=/app/var \
    GUNICORN_CMD_ARGS="--no-control-socket --access-logfile - --access-logformat '%(h)s %(t)s \"%(m)s %(U)s %(H)s\" %(s)s %(b)s %(L)s'"
# The access log format leaves out the query string: caseload searches carry names and NHS numbers.

# A fixed, unprivileged user. The code stays owned by root (read-only to the app); only var/ is writable.
RUN groupadd --system --gid 10001 carecoord \
    && useradd --system --uid 10001 --gid carecoord --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin carecoord

WORKDIR /app

# Pango for WeasyPrint (generated letters) and ffmpeg for family videos, from Debian's packages.
RUN apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core ffmpeg \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so a code change does not reinstall them.
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .

# Production static files (whitenoise's compressed manifest storage) are built into the image.
# The key and host here exist only for this build step; the running container gets its own.
RUN DJANGO_ENV=production \
    SECRET_KEY=build-time-only-collectstatic-key-not-used-at-runtime \
    ALLOWED_HOSTS=build.invalid \
    EMAIL_URL=consolemail:// \
    CARECOORD_VAR_DIR=/tmp/build-var \
    python manage.py collectstatic --noinput \
    && rm -rf /tmp/build-var \
    && mkdir -p /app/var \
    && chown carecoord:carecoord /app/var

USER carecoord:carecoord
EXPOSE 8000

# web by default; docker-compose.yml runs the worker and beat from this image with another command.
CMD ["gunicorn", "-c", "gunicorn.conf.py", "carecoord.wsgi:application"]
