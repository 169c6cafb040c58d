"""Benchmark: `manage.py import_contacts` beside the limit of the same work.

Files come from core.contact_samples (`manage.py make_contacts`, 3 extra columns):
10,000 and 100,000 rows, and 1,000,000 with BENCH_IMPORT_1M=1 (BENCH_IMPORT_SIZES,
e.g. "10k=10000", overrides the list). For each size, in the same run:

- Canvass: `manage.py import_contacts` as its own process, timed end to end (start,
  Django setup, validation, COPY, commit, exit), with its peak RSS (wait4 rusage);
- the limit: a bare process (this file with --limit: Python, psycopg, csv, no
  Django) that reads the same file with csv.reader, COPYs every row into the real
  directories_contact table (its indexes, unique constraint, foreign key, WAL) in
  a scratch list, commits and exits, likewise timed end to end. The same COPY is
  also timed inside one process (no start-up) to show what start-up costs.

At 10k rows most of either process is its start, so one more line splits that out,
each side best of 3, interleaved: Canvass from exec to a ready command
(`manage.py import_contacts --help`: settings, the lean apps, the command module),
beside the least any Django program pays for the same (this file with --bare-django:
only auth and contenttypes, the same database, `manage.py check --help`), and a
bare Python importing psycopg (the limit's own start).

The application is byte-compiled first (as the Docker image is): with
PYTHONDONTWRITEBYTECODE set and no compile step, every process compiles its modules
from source. A scratch owner and its lists are removed afterwards. Prints, per size:

    BENCH import_10k: X.XX s vs limit Y.YY s = NN % (peak RSS N MB vs M MB; ...)
    BENCH import_startup: X.XX s vs a bare Django Y.YY s = NN % (...)
"""

import csv
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def copy_file(conn, list_id: int, path: Path) -> int:
    """COPY the file's rows into directories_contact for the list; return the rows.

    What any import of a clean file must do at least: parse the CSV, shape each
    row (the extra columns as a JSON object), COPY, commit.
    """
    copy_sql = (
        "COPY directories_contact (contact_list_id, first_name, last_name, email, "
        "external_reference, language, embedded_data, created_at, updated_at) "
        "FROM STDIN"
    )
    count = 0
    with (
        conn.cursor() as cursor,
        open(path, encoding="utf-8", newline="") as handle,
        cursor.copy(copy_sql) as copy,
    ):
        rows = csv.reader(handle)
        header = next(rows)
        names = header[5:]
        now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
        for row in rows:
            extra = json.dumps(dict(zip(names, row[5:], strict=True)))
            copy.write_row((list_id, *row[:5], extra, now, now))
            count += 1
    conn.commit()
    return count


def limit_process(list_id: int, path: Path) -> None:
    """The bare process: connect, COPY the file, commit, exit."""
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        copy_file(conn, list_id, path)


def bare_django_process() -> None:
    """Django with only the apps any ORM program has, to a ready command's help."""
    import dj_database_url
    from django.conf import settings
    from django.core.management import execute_from_command_line

    settings.configure(
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth"],
        DATABASES={"default": dj_database_url.parse(os.environ["DATABASE_URL"])},
        USE_TZ=True,
    )
    execute_from_command_line(["manage.py", "check", "--help"])


def startup_line() -> str:
    """Canvass's start to a ready command beside a bare Django's and Python's."""
    commands = {
        "canvass": [sys.executable, "manage.py", "import_contacts", "--help"],
        "django": [sys.executable, __file__, "--bare-django"],
        "python": [sys.executable, "-c", "import psycopg"],
    }
    seconds = {name: [] for name in commands}
    for _ in range(3):
        for name, command in commands.items():
            seconds[name].append(timed_process(command)[0])
    canvass, django, python = (min(seconds[name]) for name in commands)
    return (
        f"BENCH import_startup: {canvass:.2f} s vs a bare Django {django:.2f} s = "
        f"{100 * django / canvass:.0f} % (exec to a ready command: Canvass's lean "
        "import_contacts beside Django with only auth and contenttypes; Python "
        f"importing psycopg, the limit's start, {python:.2f} s; best of 3)"
    )


def timed_process(command: list[str]) -> tuple[float, float, str, float]:
    """Run a process; return (wall seconds, its own peak RSS in MB, its stdout,
    its CPU seconds)."""
    started = time.monotonic()
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    # wait4 gives this child's own rusage, not the maximum over all children.
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.monotonic() - started
    out, err = process.stdout.read(), process.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command[1:3]} failed: {out}{err}")
    cpu = usage.ru_utime + usage.ru_stime
    return elapsed, usage.ru_maxrss / 1024, out, cpu


def sizes() -> list[tuple[str, int]]:
    default = "10k=10000,100k=100000"
    if os.environ.get("BENCH_IMPORT_1M"):
        default += ",1m=1000000"
    spec = os.environ.get("BENCH_IMPORT_SIZES", default)
    return [(name, int(rows)) for name, rows in (i.split("=") for i in spec.split(","))]


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection

    from core.contact_samples import write_contacts
    from directories.models import ContactList
    from teams.services import personal_team

    # As the Docker image does at build time (compileall), into __pycache__.
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "-j", "0", "accounts", "config"]
        + ["core", "directories", "distributions", "surveys", "teams", "manage.py"],
        cwd=ROOT,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": ""},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    env_url = settings.DATABASE_URL
    os.environ["DATABASE_URL"] = env_url
    owner = get_user_model().objects.create_user(
        username=f"bench-import-{uuid.uuid4().hex[:8]}@example.invalid",
        email="",
        password=None,
    )
    owner.email = owner.username
    owner.save(update_fields=["email"])
    team = personal_team(owner)
    import psycopg

    print(startup_line(), flush=True)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
            for name, rows in sizes():
                path = Path(tmp) / f"contacts-{name}.csv"
                write_contacts(path, rows, extra=3)
                load = os.getloadavg()[0]
                # Interleaved, best of N: the two cores are shared, and a run that
                # another process slowed says nothing about either side.
                canvass, bare, inside = [], [], []
                for attempt in range(3 if rows <= 200_000 else 1):
                    list_name = f"bench {name} {attempt}"
                    canvass.append(
                        timed_process(
                            [sys.executable, "manage.py", "import_contacts"]
                            + ["--owner", owner.email, "--list", list_name, str(path)]
                        )
                    )
                    stored = ContactList.objects.get(
                        owner=owner, name=list_name
                    ).contacts.count()
                    if stored != rows:
                        raise SystemExit(
                            f"expected {rows} contacts, found {stored}: "
                            f"{canvass[-1][2]}"
                        )
                    scratch = ContactList.objects.create(
                        owner=owner, team=team, name=f"limit {name} {attempt}"
                    )
                    bare.append(
                        timed_process(
                            [sys.executable, __file__, "--limit", str(scratch.pk)]
                            + [str(path)]
                        )
                    )
                    scratch = ContactList.objects.create(
                        owner=owner, team=team, name=f"inside {name} {attempt}"
                    )
                    with psycopg.connect(env_url) as conn:
                        started = time.monotonic()
                        copy_file(conn, scratch.pk, path)
                        inside.append(time.monotonic() - started)
                seconds, rss, _, cpu = min(canvass)
                limit, limit_rss, _, limit_cpu = min(bare)
                in_process = min(inside)
                print(
                    f"BENCH import_{name}: {seconds:.2f} s vs limit {limit:.2f} s = "
                    f"{100 * limit / seconds:.0f} % (peak RSS {rss:.0f} MB vs "
                    f"{limit_rss:.0f} MB; CPU {cpu:.2f} s vs {limit_cpu:.2f} s; the COPY alone, no process start "
                    f"{in_process:.2f} s; best of {len(bare)}, load average {load:.1f})",
                    flush=True,
                )
                path.unlink()
    finally:
        # Plain SQL: the ORM's cascade would load a million contacts to delete them.
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM directories_contact WHERE contact_list_id IN "
                "(SELECT id FROM directories_contactlist WHERE owner_id = %s)",
                [owner.pk],
            )
            cursor.execute(
                "DELETE FROM directories_contactimport WHERE owner_id = %s", [owner.pk]
            )
        ContactList.objects.filter(owner=owner).delete()
        owner.delete()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--limit"]:
        limit_process(int(sys.argv[2]), Path(sys.argv[3]))
    elif sys.argv[1:2] == ["--bare-django"]:
        bare_django_process()
    else:
        main()
