"""Start-up: a command that sends no task does not import Celery; workers find the app;
a command loads its apps without the garbage collector walking them; a web worker
loads its views, then freezes them out of the collector's sight."""

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


def test_a_command_loads_its_apps_with_the_collector_paused_then_freezes_them():
    # Django's start makes ~100,000 tracked objects and none of them is garbage:
    # collecting while they were made took ~140 collections, and walking them again
    # at exit ~90 ms, of a 10k `manage.py import_contacts` that took ≈0.5 s in all.
    # Collection must resume afterwards, with the start's objects frozen (else the
    # next full collection, and the interpreter's last ones, walk them all).
    code = """
import gc, runpy, sys
collections = []
gc.callbacks.append(lambda phase, info: phase == "stop" and collections.append(1))
sys.argv = ["manage.py", "import_contacts", "--help"]
try:
    runpy.run_path("manage.py", run_name="__main__")
except SystemExit:
    pass
print(len(collections), gc.isenabled(), gc.get_freeze_count())
"""
    count, enabled, frozen = fresh_interpreter(code).split()[-3:]
    assert int(count) < 20
    assert enabled == "True"
    assert int(frozen) > 50_000
