"""Benchmark: Download history and the Emails page at 100,000 invitations.

Sets up, in the database named by DATABASE_URL, a scratch owner with a published
survey, a 100,000-contact list (COPY), one sent email distribution with its
invitations (invitations_create_from_list), a delivery each (sent, some failed or
opted out) and responses for 30% of them (20% finished), each naming its person (person_key). Then, in a fresh child
process (so its memory is its own):

- the history CSV through Django's test Client (the real view, streamed and fully
  read), timed, with the process's peak RSS growth over its RSS before the download;
- the Emails page for the logged-in owner: median of 7 requests after one warm-up.

Everything the scratch owner has is removed afterwards. Prints:

    BENCH history_100k: X.XX s, peak RSS +N MB
    BENCH emails_page_100k: N ms
"""

import json
import os
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

SIZE = int(os.environ.get("BENCH_HISTORY_SIZE", "100000"))


def _rss_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def set_up() -> tuple[int, int, int]:
    """Create the scratch data; return (owner id, survey id, distribution id)."""
    owner = get_user_model().objects.create_user(
        username=f"bench-history-{uuid.uuid4().hex[:8]}@example.org",
        email="bench-history@example.org",
    )
    survey = Survey.objects.create(
        owner=owner, title="Bench", state="published", published_version=1
    )
    version = SurveyVersion.objects.create(
        survey=survey, number=1, definition={"title": "Bench", "pages": []}
    )
    the_list = ContactList.objects.create(
        owner=owner, name="Bench list", embedded_fields=["Cohort", "Unit"]
    )
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        table = Contact._meta.db_table
        columns = (
            "contact_list_id, first_name, last_name, email, external_reference, "
            "language, embedded_data, created_at, updated_at"
        )
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for i in range(SIZE):
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
                 public_id, screened_out)
            SELECT m.response_id, 'invitation', i.first_name, i.last_name, i.email,
                   i.external_reference, i.embedded_data, 0, %s, %s, %s,
                   CASE WHEN m.finished THEN %s::timestamptz END, %s, %s,
                   -- As the personal link names its person (distributions.person).
                   'email:' || lower(i.email),
                   -- Response.public_id's form ("R_" + 15 letters or digits).
                   'R_' || left(md5(m.response_id::text), 15),
                   false
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


def measure(owner_id: int, survey_id: int, distribution_id: int) -> dict:
    """Run in the child process: time the download and the Emails page."""
    from django.test import Client
    from django.urls import reverse

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    client = Client()
    client.force_login(get_user_model().objects.get(pk=owner_id))
    history_url = reverse(
        "distributions:email_history",
        kwargs={"survey_id": survey_id, "pk": distribution_id},
    )
    emails_url = reverse("distributions:emails", kwargs={"survey_id": survey_id})
    client.get(emails_url)  # warm-up: templates, connection

    rss_before = _rss_mb("VmRSS")
    cpu_started = time.process_time()
    started = time.perf_counter()
    response = client.get(history_url)
    size = rows = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        rows += chunk.count(b"\n")
    history_seconds = time.perf_counter() - started
    history_cpu = time.process_time() - cpu_started
    peak_growth = _rss_mb("VmHWM") - rss_before

    timings, cpu = [], []
    for _ in range(7):
        cpu_started = time.process_time()
        started = time.perf_counter()
        page = client.get(emails_url)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        assert page.status_code == 200, page.status_code
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(emails_url)
    sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
    return {
        "emails_page_queries": len(queries.captured_queries),
        "emails_page_sql_ms": sql_ms,
        "history_seconds": history_seconds,
        "history_cpu": history_cpu,
        "load": os.getloadavg()[0],
        "history_rows": rows - 1,
        "history_bytes": size,
        "peak_growth_mb": peak_growth,
        "emails_page_ms": statistics.median(timings),
        "emails_page_all_ms": [round(t, 1) for t in timings],
        "emails_page_cpu_ms": statistics.median(cpu),
    }


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        print(json.dumps(measure(*map(int, sys.argv[2:]))))
        return
    # Leftovers of an interrupted run.
    for stale in get_user_model().objects.filter(username__startswith="bench-history-"):
        tear_down(stale.pk)
    started = time.perf_counter()
    owner_id, survey_id, distribution_id = set_up()
    setup_seconds = time.perf_counter() - started
    try:
        child = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                str(owner_id),
                str(survey_id),
                str(distribution_id),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if child.returncode != 0:
            raise SystemExit(f"measurement failed:\n{child.stdout}{child.stderr}")
        result = json.loads(child.stdout.strip().splitlines()[-1])
    finally:
        tear_down(owner_id)
    assert result["history_rows"] == SIZE, result
    print(
        f"# load average {result['load']:.1f} on {os.cpu_count()} CPUs; "
        f"setup {setup_seconds:.1f} s; history {result['history_rows']} rows, "
        f"web-process CPU {result['history_cpu']:.2f} s, "
        f"{result['history_bytes'] / 1e6:.1f} MB; Emails page runs (ms) "
        f"{result['emails_page_all_ms']}, web-process CPU "
        f"{result['emails_page_cpu_ms']:.0f} ms, "
        f"{result['emails_page_queries']} queries taking "
        f"{result['emails_page_sql_ms']:.0f} ms"
    )
    print(
        f"BENCH history_100k: {result['history_seconds']:.2f} s, "
        f"peak RSS +{result['peak_growth_mb']:.0f} MB"
    )
    print(f"BENCH emails_page_100k: {result['emails_page_ms']:.0f} ms")


if __name__ == "__main__":
    main()
