"""Start-up: a command that sends no task does not import Celery; workers find the app."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


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
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "[]", result.stdout


def test_celery_dash_a_config_finds_the_app():
    """`celery -A config worker|beat` (bin/canvass-run, Docker) look it up by name."""
    from celery.app.utils import find_app

    import config
    from config.celery import app

    assert find_app("config") is app
    assert config.celery_app is app
