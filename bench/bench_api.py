"""Benchmark: the REST API through a real gunicorn (one worker, two threads).

A scratch owner with a read-write key, a published survey, a 100,000-contact list
and its 100,000 personal links; removed afterwards. Prints:

    BENCH api_links_read_100k: N rows/s (X.XX s, P pages of 1000)
    BENCH api_history_read_100k: N rows/s (X.XX s, P pages of 1000; each row's status)
    BENCH api_bulk_upsert_100k: X.XX s (10 requests of 10,000; then again as
                                updates Y.YY s)
    BENCH api_list_page_median: N ms (GET one page of 100 contacts, median of 50)
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
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402
from gunicorn_server import free_port, start_gunicorn  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.utils import timezone  # noqa: E402
from scratch import copy_contacts  # noqa: E402

from api.services import api_key_create  # noqa: E402
from directories.models import Contact, ContactList  # noqa: E402
from distributions.models import Distribution  # noqa: E402
from distributions.services.links import links_generate_run  # noqa: E402
from surveys.models import Survey  # noqa: E402
from teams.services import personal_team  # noqa: E402

N = int(os.environ.get("BENCH_API_N", "100000"))
BULK = 10_000


def start_server() -> tuple[subprocess.Popen, int]:
    port = free_port()
    return start_gunicorn(port, workers=1, threads=2, API_RATE_LIMIT="0"), port


class Api:
    """A keep-alive connection that calls the API with a key."""

    def __init__(self, port: int, key: str):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.headers = {"Authorization": f"Bearer {key}", "Host": "127.0.0.1"}

    def call(self, method: str, path: str, body=None) -> dict:
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        self.connection.request(method, path, body=data, headers=headers)
        response = self.connection.getresponse()
        raw = response.read()
        assert response.status < 300, (response.status, raw[:500])
        return json.loads(raw)


def read_all(api: Api, path: str) -> tuple[int, int, float]:
    """Follow `next` from `path`; return (rows, pages, seconds)."""
    start = time.perf_counter()
    rows = pages = 0
    while path:
        page = api.call("GET", path)
        rows += len(page["results"])
        pages += 1
        path = (
            page["next"]
            and urlsplit(page["next"])._replace(scheme="", netloc="").geturl()
        )
    return rows, pages, time.perf_counter() - start


def main() -> int:
    owner = get_user_model().objects.create(
        username=f"bench-api-{uuid.uuid4().hex[:8]}", email="bench@example.edu"
    )
    process = None
    try:
        team = personal_team(owner)
        survey = Survey.objects.create(
            owner=owner,
            team=team,
            title="Bench API",
            state=Survey.State.PUBLISHED,
            published_version=1,
        )
        contact_list = ContactList.objects.create(
            owner=owner, team=team, name="Bench 100k"
        )
        copy_contacts(contact_list, N, {"Cohort": "2026"})
        batch = Distribution.objects.create(
            owner=owner,
            team=team,
            survey=survey,
            kind=Distribution.Kind.LINKS,
            contact_list=contact_list,
            list_name=contact_list.name,
            link_expires_at=timezone.now() + timedelta(days=60),
            status=Distribution.Status.GENERATING,
            recipients_total=N,
        )
        links_generate_run(distribution_id=batch.pk, batch_size=20000)
        _, key = api_key_create(owner=owner, name="bench", access="write")
        process, port = start_server()
        api = Api(port, key)

        path = f"/api/v1/surveys/{survey.pk}/link-batches/{batch.pk}/links/?limit=1000"
        api.call("GET", path.replace("1000", "10"))  # warm the worker
        rows, pages, took = read_all(api, path)
        assert rows == N, rows
        print(
            f"BENCH api_links_read_100k: {rows / took:,.0f} rows/s "
            f"({took:.2f} s, {pages} pages of 1000)"
        )
        history = f"/api/v1/surveys/{survey.pk}/link-batches/{batch.pk}/history/"
        api.call("GET", f"{history}?limit=10")
        rows, pages, took = read_all(api, f"{history}?limit=1000")
        assert rows == N, rows
        print(
            f"BENCH api_history_read_100k: {rows / took:,.0f} rows/s "
            f"({took:.2f} s, {pages} pages of 1000; each row's status)"
        )

        target = ContactList.objects.create(owner=owner, team=team, name="Bench upsert")
        url = f"/api/v1/lists/{target.pk}/contacts/bulk/"
        times = []
        for attempt in range(2):
            start = time.perf_counter()
            for first in range(0, N, BULK):
                rows = [
                    {
                        "email": f"new{i}@bench.example.edu",
                        "first_name": "Ana",
                        "last_name": f"Person{i}",
                        "external_reference": f"R{i}",
                        "embedded_data": {"Cohort": "2026", "Round": str(attempt)},
                    }
                    for i in range(first, min(first + BULK, N))
                ]
                result = api.call("POST", url, {"contacts": rows})
                expected = "added" if attempt == 0 else "updated"
                assert result[expected] == len(rows), result
            times.append(time.perf_counter() - start)
        assert Contact.objects.filter(contact_list=target).count() == N
        print(
            f"BENCH api_bulk_upsert_100k: {times[0]:.2f} s ({N // BULK} requests of "
            f"{BULK:,}; then again as updates {times[1]:.2f} s)"
        )

        page_path = f"/api/v1/lists/{contact_list.pk}/contacts/?limit=100"
        for _ in range(5):
            api.call("GET", page_path)
        samples = []
        for _ in range(50):
            start = time.perf_counter()
            api.call("GET", page_path)
            samples.append((time.perf_counter() - start) * 1000)
        print(
            f"BENCH api_list_page_median: {statistics.median(samples):.1f} ms "
            f"(GET one page of 100 contacts, median of 50; p90 "
            f"{statistics.quantiles(samples, n=10)[-1]:.1f} ms)"
        )
    finally:
        if process is not None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        owner.delete()
    return 0


if __name__ == "__main__":
    sys.exit(main())
