"""gunicorn's settings for Canvass.

gunicorn reads ./gunicorn.conf.py from the directory it starts in, so `make run`
(bin/canvass-run), the Docker image and docker-compose.yml all use this file; their
command lines set the rest (bind, workers, threads, timeouts).

Its one job: gunicorn's own logs (the access log, with `--access-logfile` or
`accesslog`, and the error log) show request lines, and a personal link's request
line holds its token. The logger class below redacts them as core.logging redacts
Canvass's own records (docs/architecture.md, "The path of a personal link"), before
the application is loaded and in every worker.
"""

import sys
from pathlib import Path

from gunicorn.glogging import Logger

# The `gunicorn` console script reads this file before it puts the working directory
# on sys.path: import the core package that sits beside this file.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from core.logging import redaction_install  # noqa: E402


class RedactingLogger(Logger):
    """gunicorn's logger with every record redacted (tokens in request lines)."""

    def setup(self, cfg):
        super().setup(cfg)
        redaction_install()


logger_class = RedactingLogger
