"""Start-up: a command that sends no task does not import Celery; workers find the app;
a web worker loads its views, then freezes them out of the garbage collector's sight."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def fresh_interpreter(code: str) -> str:
    """Run `code` in a new Python process at the project's root; return its output."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_import_contacts_does_not_import_celery():
    # Everything `manage.py import_contacts` imports, in a fresh interpreter.
    code = (
        "import sys, django; django.setup(); "
        "from django.core.management import load_command_class; "
        "load_command_class('directories', 'import_contacts'); "
        "import directories.services.imports, directories.importing; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('celery', 'kombu')))"
    )
    printed = fresh_interpreter(code)
    assert printed.strip() == "[]", printed


def test_celery_dash_a_config_finds_the_app():
    """`celery -A config worker|beat` (bin/canvass-run, Docker) look it up by name."""
    from celery.app.utils import find_app

    import config
    from config.celery import app

    assert find_app("config") is app
    assert config.celery_app is app


def test_a_web_worker_loads_every_view_then_freezes_what_it_loaded():
    # config.wsgi is what gunicorn loads in every web worker (Dockerfile,
    # bin/canvass-run). A full garbage collection stalls the worker for as long as
    # it takes to walk every object it sees: what lives as long as the process
    # must be frozen out of its sight, the views too (else the first requests
    # load them afterwards).
    code = (
        "import gc, sys; import config.wsgi; "
        "print(gc.get_freeze_count(), 'distributions.views.links' in sys.modules)"
    )
    frozen, views_loaded = fresh_interpreter(code).split()
    assert views_loaded == "True"
    assert int(frozen) > 50_000
