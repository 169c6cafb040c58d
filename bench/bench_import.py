"""Benchmark: import 100,000 and 1,000,000 contacts through `import_contacts`.

Files come from core.contact_samples (`manage.py make_contacts`, 3 extra columns). Each import
runs as its own `manage.py import_contacts` process, timed end to end, with that
process's peak RSS (wait4 rusage). For comparison, the same rows are COPYed raw
(parsed with csv, no validation) into a scratch table. A scratch owner and its
lists are removed afterwards. Prints:

    BENCH import_100k: X.XX s, peak RSS N MB (raw COPY Y.YY s)
    BENCH import_1m: X.XX s, peak RSS N MB (raw COPY Y.YY s)
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
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from core.contact_samples import write_contacts  # noqa: E402
from directories.models import ContactList  # noqa: E402

SIZES = [
    (name, int(rows))
    for name, rows in (
        item.split("=")
        for item in os.environ.get(
            "BENCH_IMPORT_SIZES", "100k=100000,1m=1000000"
        ).split(",")
    )
]


def run_import(
    owner_email: str, list_name: str, path: Path
) -> tuple[float, float, str]:
    """Run import_contacts; return (seconds, peak RSS in MB, its summary line)."""
    started = time.monotonic()
    process = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "import_contacts",
            "--owner",
            owner_email,
            "--list",
            list_name,
            str(path),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # wait4 gives this child's own rusage, not the maximum over all children.
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.monotonic() - started
    out = process.stdout.read()
    err = process.stderr.read()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"import_contacts failed ({process.returncode}): {out}{err}")
    cpu = usage.ru_utime + usage.ru_stime
    return elapsed, usage.ru_maxrss / 1024, cpu, out.strip().splitlines()[0]


def raw_copy(path: Path) -> float:
    """COPY the file's rows unvalidated into a scratch table; return seconds."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_raw_contacts (first_name text, last_name text, "
            "email text, external_reference text, language text, extra1 text, "
            "extra2 text, extra3 text) ON COMMIT DROP"
        )
        started = time.monotonic()
        with (
            open(path, encoding="utf-8", newline="") as handle,
            cursor.cursor.copy("COPY bench_raw_contacts FROM STDIN") as copy,
        ):
            rows = csv.reader(handle)
            next(rows)
            for row in rows:
                copy.write_row(row)
        elapsed = time.monotonic() - started
    return elapsed


def raw_copy_into_contacts(owner, path: Path) -> float:
    """COPY the rows unvalidated into directories_contact itself (a scratch list),
    commit included: the floor set by the table's indexes, WAL and foreign key."""
    contact_list = ContactList.objects.create(owner=owner, name="bench raw copy")
    started = time.monotonic()
    copy_sql = (
        "COPY directories_contact (contact_list_id, first_name, last_name, email, "
        "external_reference, language, embedded_data, created_at, updated_at) "
        "FROM STDIN"
    )
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        open(path, encoding="utf-8", newline="") as handle,
        cursor.cursor.copy(copy_sql) as copy,
    ):
        rows = csv.reader(handle)
        header = next(rows)
        now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
        for row in rows:
            extra = json.dumps(dict(zip(header[5:], row[5:], strict=True)))
            copy.write_row((contact_list.pk, *row[:5], extra, now, now))
    return time.monotonic() - started


def main() -> None:
    owner = get_user_model().objects.create_user(
        username=f"bench-import-{uuid.uuid4().hex[:8]}@example.invalid",
        email="",
        password=None,
    )
    owner.email = owner.username
    owner.save(update_fields=["email"])
    try:
        with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
            for name, rows in SIZES:
                path = Path(tmp) / f"contacts-{name}.csv"
                write_contacts(path, rows, extra=3)
                load_before = os.getloadavg()[0]
                seconds, rss, cpu, summary = run_import(
                    owner.email, f"bench {name}", path
                )
                stored = ContactList.objects.get(
                    owner=owner, name=f"bench {name}"
                ).contacts.count()
                if stored != rows:
                    raise SystemExit(
                        f"expected {rows} contacts, found {stored} ({summary})"
                    )
                copy_seconds = raw_copy(path)
                print(
                    f"BENCH import_{name}: {seconds:.2f} s, peak RSS {rss:.0f} MB "
                    f"(raw COPY {copy_seconds:.2f} s)",
                    flush=True,
                )
                # Wall time depends on what else the 2 cores run: say how busy they
                # were, and (for the smaller file) what a bare COPY into the real
                # table costs at the same moment.
                floor = ""
                if rows <= 200_000:
                    floor = (
                        ", bare COPY into directories_contact + commit "
                        f"{raw_copy_into_contacts(owner, path):.2f} s"
                    )
                print(
                    f"BENCH import_{name}_detail: importer process CPU {cpu:.2f} s, "
                    f"load average {load_before:.1f} before the run{floor}",
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
    main()
