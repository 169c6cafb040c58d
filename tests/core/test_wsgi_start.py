"""config.wsgi, what gunicorn loads in every web worker (Dockerfile, bin/canvass-run)."""

import os
import subprocess
import sys
from pathlib import Path

from tests import harness

ROOT = Path(__file__).resolve().parents[2]


def test_a_web_worker_loads_every_view_then_freezes_what_it_loaded():
    # A full garbage collection stalls the worker for as long as it takes to walk
    # every object it sees: what lives as long as the process must be frozen out
    # of its sight, the views included (else the first requests load them after).
    code = (
        "import gc, sys\n"
        "import config.wsgi\n"
        "print(gc.get_freeze_count(), len(gc.get_objects()),"
        " 'distributions.views.links' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": harness.test_database_url()},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    frozen, seen, views_loaded = done.stdout.split()
    assert views_loaded == "True"
    assert int(frozen) > 50_000
    # What is left for the collector to walk is a small part of it.
    assert int(seen) < int(frozen) / 10
