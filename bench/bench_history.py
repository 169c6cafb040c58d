"""Benchmark: Download history through gunicorn, beside COPY of the same query.

For each size (10,000 and 100,000 invitations; 1,000,000 with BENCH_HISTORY_1M=1;
BENCH_HISTORY_SIZES="10k=10000" overrides), sets up in the database named by
DATABASE_URL a scratch owner with a published survey, a list (COPY), one sent email
distribution with its invitations (invitations_create_from_list), a delivery each
(sent, some failed or opted out) and responses for 30% of them (20% finished), each
naming its person (person_key). gunicorn serves bench/history_server.py (Canvass's
URLs plus the limit's bare view) with bin/canvass-run's settings (2 gthread workers
x 2 threads), and this process downloads over the socket, reading to the end:

- Canvass: the history CSV of the logged-in owner (the real view);
- the limit: COPY (the history's own query) TO STDOUT WITH CSV, streamed by a bare
  view on the same server in 64 KB chunks (bench/history_server.py).

Interleaved, best of 3 (1 at 1M). The serving worker's peak RSS is read from
/proc (VmHWM, reset before each download). At 100k, the Emails page through the
same server too. Everything the scratch owner has is removed afterwards. Prints:

    BENCH history_100k: X.XX s vs COPY TO STDOUT Y.YY s = NN % (... peak RSS ...)
    BENCH emails_page_100k: N ms
"""

import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402
import gunicorn_server  # noqa: E402
from gunicorn_server import free_port  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from directories.models import Contact, ContactList  # noqa: E402
from distributions.models import Delivery, Distribution, Invitation  # noqa: E402
from distributions.services.invitations import (  # noqa: E402
    invitations_create_from_list,
)
from surveys.models import Response, Survey, SurveyVersion  # noqa: E402
from teams.services import personal_team  # noqa: E402

WORKERS, THREADS = 2, 2  # bin/canvass-run's gunicorn
ROUNDS = 3  # interleaved, best of: the two cores are shared


def sizes() -> list[tuple[str, int]]:
    default = "10k=10000,100k=100000"
    if os.environ.get("BENCH_HISTORY_1M"):
        default += ",1m=1000000"
    spec = os.environ.get("BENCH_HISTORY_SIZES", default)
    return [(name, int(rows)) for name, rows in (i.split("=") for i in spec.split(","))]


def _rss_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def set_up(size: int) -> tuple[int, int, int]:
    """Create the scratch data; return (owner id, survey id, distribution id)."""
    owner = get_user_model().objects.create_user(
        username=f"bench-history-{uuid.uuid4().hex[:8]}@example.org",
        email="bench-history@example.org",
    )
    team = personal_team(owner)
    survey = Survey.objects.create(
        owner=owner, team=team, title="Bench", state="published", published_version=1
    )
    version = SurveyVersion.objects.create(
        survey=survey, number=1, definition={"title": "Bench", "pages": []}
    )
    the_list = ContactList.objects.create(
        owner=owner, team=team, name="Bench list", embedded_fields=["Cohort", "Unit"]
    )
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        table = Contact._meta.db_table
        columns = (
            "contact_list_id, first_name, last_name, email, external_reference, "
            "language, embedded_data, created_at, updated_at"
        )
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for i in range(size):
                copy.write_row(
                    (
                        the_list.pk,
                        f"First{i}",
                        f"Last{i}",
                        f"person{i}@example.edu",
                        f"REF{i}",
                        "",
                        json.dumps({"Cohort": str(2020 + i % 6), "Unit": f"U{i % 40}"}),
                        now,
                        now,
                    )
                )
    distribution = Distribution.objects.create(
        survey=survey,
        owner=owner,
        team=team,
        kind=Distribution.Kind.EMAIL,
        contact_list=the_list,
        list_name=the_list.name,
        from_name="Bench",
        from_email="bench@example.org",
        subject="Bench",
        body="${l://SurveyURL}",
        send_at=now,
        link_expires_at=now + timedelta(days=60),
        status=Distribution.Status.SENT,
    )
    invitations_create_from_list(
        distribution=distribution,
        contact_list=the_list,
        expires_at=now + timedelta(days=60),
    )
    invitation_table = Invitation._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {Delivery._meta.db_table}
                (distribution_id, invitation_id, status, attempts, message_id, error,
                 created_at, sent_at)
            SELECT distribution_id, id,
                   CASE WHEN id %% 50 = 0 THEN 'failed'
                        WHEN id %% 97 = 0 THEN 'opted_out' ELSE 'sent' END,
                   1, '', '', %s,
                   CASE WHEN id %% 50 = 0 OR id %% 97 = 0 THEN NULL ELSE %s END
            FROM {invitation_table} WHERE distribution_id = %s
            """,
            [now, now, distribution.pk],
        )
        # Response ids are drawn up front so invitations are linked by primary key.
        response_table = Response._meta.db_table
        cursor.execute(
            f"""
            CREATE TEMP TABLE bench_map ON COMMIT DROP AS
            SELECT id AS invitation_id,
                   nextval(pg_get_serial_sequence('{response_table}', 'id'))
                       AS response_id,
                   id %% 10 < 2 AS finished
            FROM {invitation_table}
            WHERE distribution_id = %s AND id %% 10 < 3
            """,
            [distribution.pk],
        )
        cursor.execute(
            f"""
            INSERT INTO {response_table}
                (id, channel, first_name, last_name, email, external_reference,
                 embedded_data, current_page, created_at, started_at,
                 last_activity_at, finished_at, survey_id, version_id, person_key,
                 public_id, screened_out, language)
            SELECT m.response_id, 'invitation', i.first_name, i.last_name, i.email,
                   i.external_reference, i.embedded_data, 0, %s, %s, %s,
                   CASE WHEN m.finished THEN %s::timestamptz END, %s, %s,
                   -- As the personal link names its person (distributions.person).
                   'email:' || lower(i.email),
                   -- Response.public_id's form ("R_" + 15 letters or digits).
                   'R_' || left(md5(m.response_id::text), 15),
                   false,
                   -- The language the respondent answered in (the survey's).
                   'en'
            FROM bench_map m JOIN {invitation_table} i ON i.id = m.invitation_id
            """,
            [now, now, now, now, survey.pk, version.pk],
        )
        cursor.execute(
            f"""
            UPDATE {invitation_table} AS i SET response_id = m.response_id
            FROM bench_map m WHERE i.id = m.invitation_id
            """
        )
    # As autovacuum would after a bulk load: statistics and the visibility map that
    # index-only counts rely on.
    with connection.cursor() as cursor:
        for model in (Invitation, Delivery, Response):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    return owner.pk, survey.pk, distribution.pk


def tear_down(owner_id: int) -> None:
    """Remove everything of the scratch owner, children first (no ORM collection)."""
    with transaction.atomic(), connection.cursor() as cursor:
        distributions = (
            f"SELECT id FROM {Distribution._meta.db_table} WHERE owner_id = %s"
        )
        cursor.execute(
            f"DELETE FROM {Delivery._meta.db_table} "
            f"WHERE distribution_id IN ({distributions})",
            [owner_id],
        )
        cursor.execute(
            f"DELETE FROM {Invitation._meta.db_table} "
            f"WHERE distribution_id IN ({distributions})",
            [owner_id],
        )
        cursor.execute(
            f"DELETE FROM {Distribution._meta.db_table} WHERE owner_id = %s",
            [owner_id],
        )
        surveys = f"SELECT id FROM {Survey._meta.db_table} WHERE owner_id = %s"
        cursor.execute(
            f"DELETE FROM {Response._meta.db_table} WHERE survey_id IN ({surveys})",
            [owner_id],
        )
        lists = f"SELECT id FROM {ContactList._meta.db_table} WHERE owner_id = %s"
        cursor.execute(
            f"DELETE FROM {Contact._meta.db_table} WHERE contact_list_id IN ({lists})",
            [owner_id],
        )
    get_user_model().objects.filter(pk=owner_id).delete()


def start_gunicorn(port: int):
    """gunicorn as bin/canvass-run starts it, serving bench/history_server.py."""
    return gunicorn_server.start_gunicorn(
        port,
        workers=WORKERS,
        threads=THREADS,
        app="history_server:application",
        probe="/accounts/login/",
        options=("--pythonpath", f"{ROOT / 'bench'},{ROOT}", "--timeout", "600"),
    )


def workers_of(master: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text()
    return [int(pid) for pid in children.split()]


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def download(port: int, path: str, cookie: str, workers: list[int]) -> dict:
    """GET a CSV through the socket, read to the end; time it, with the serving
    worker's peak RSS (the workers' high-water marks are reset first)."""
    before = {pid: _status_kb(pid, "VmRSS") for pid in workers}
    for pid in workers:
        # "5" resets the peak RSS (VmHWM) to the current RSS.
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    cpu_before = {pid: _cpu_seconds(pid) for pid in workers}
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("GET", path, headers={"Cookie": cookie})
    response = conn.getresponse()
    assert response.status == 200, (path, response.status, response.read()[:300])
    size = lines = 0
    while chunk := response.read(65536):
        size += len(chunk)
        lines += chunk.count(b"\n")
    seconds = time.perf_counter() - started
    conn.close()
    growth = {pid: (_status_kb(pid, "VmHWM") - before[pid]) / 1024 for pid in workers}
    cpu = {pid: _cpu_seconds(pid) - cpu_before[pid] for pid in workers}
    return {
        "seconds": seconds,
        "bytes": size,
        "lines": lines,
        "peak_mb": _status_kb(max(cpu, key=cpu.get), "VmHWM") / 1024,
        "growth_mb": max(growth.values()),
        "worker_cpu": max(cpu.values()),
    }


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def session_cookie(owner_id: int) -> str:
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(pk=owner_id))
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def measure(port, server, name, size) -> None:
    from django.urls import reverse

    started = time.perf_counter()
    owner_id, survey_id, distribution_id = set_up(size)
    setup_seconds = time.perf_counter() - started
    try:
        cookie = session_cookie(owner_id)
        canvass_path = reverse(
            "distributions:email_history",
            kwargs={"survey_id": survey_id, "pk": distribution_id},
        )
        limit_path = f"/bench/copy-history/{distribution_id}/"
        workers = workers_of(server)
        # Warm-up: each worker's connection, templates, plans.
        for _ in range(WORKERS * THREADS):
            download(port, limit_path, cookie, workers)
        load = os.getloadavg()[0]
        canvass, limit = [], []
        for _ in range(ROUNDS if size <= 200_000 else 1):
            canvass.append(download(port, canvass_path, cookie, workers))
            limit.append(download(port, limit_path, cookie, workers))
        best = min(canvass, key=lambda run: run["seconds"])
        bound = min(limit, key=lambda run: run["seconds"])
        assert best["lines"] == size + 1 and bound["lines"] == size, (best, bound)
        print(
            f"# history {name}: setup {setup_seconds:.1f} s; Canvass "
            f"{best['bytes'] / 1e6:.1f} MB, worker CPU {best['worker_cpu']:.2f} s; "
            f"COPY {bound['bytes'] / 1e6:.1f} MB, worker CPU {bound['worker_cpu']:.2f} s; "
            f"all runs (s) {[round(r['seconds'], 2) for r in canvass]} vs "
            f"{[round(r['seconds'], 2) for r in limit]}",
            flush=True,
        )
        print(
            f"BENCH history_{name}: {best['seconds']:.2f} s vs COPY TO STDOUT "
            f"{bound['seconds']:.2f} s = {100 * bound['seconds'] / best['seconds']:.0f} % "
            f"(through gunicorn {WORKERS}x{THREADS} gthread; worker peak RSS "
            f"{best['peak_mb']:.0f} MB, +{best['growth_mb']:.0f} MB vs "
            f"+{bound['growth_mb']:.0f} MB; best of {len(canvass)}, load average "
            f"{load:.1f})",
            flush=True,
        )
        if name == "100k":
            emails_path = reverse(
                "distributions:emails", kwargs={"survey_id": survey_id}
            )
            timings = []
            for _ in range(8):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                began = time.perf_counter()
                conn.request("GET", emails_path, headers={"Cookie": cookie})
                page = conn.getresponse()
                page.read()
                timings.append((time.perf_counter() - began) * 1000)
                assert page.status == 200, page.status
                conn.close()
            print(
                f"BENCH emails_page_100k: {statistics.median(timings[1:]):.0f} ms "
                "(through gunicorn, median of 7 after a warm-up)",
                flush=True,
            )
    finally:
        tear_down(owner_id)


def main() -> None:
    # Leftovers of an interrupted run.
    for stale in get_user_model().objects.filter(username__startswith="bench-history-"):
        tear_down(stale.pk)
    port = free_port()
    server = start_gunicorn(port)
    try:
        for name, size in sizes():
            measure(port, server, name, size)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
