"""Benchmark: the respondent page under load, beside a bare Django view.

Starts gunicorn (2 workers, gthread) on loopback against the database named by
DATABASE_URL, with a scratch owner and a published two-page survey (removed
afterwards), an anonymous response that answered page 1, then loads for a bounded
time with `wrk` (Debian package) or, without it, a small keep-alive client:

    GET /r/<key>/ with the resume cookie: the respondent's page 2 (3 queries)
    GET /bench/bare/: a view that returns "ok" (SURVEYS_BENCH_VIEW=1 adds it)
    GET the same page 2 of a second survey where every question has display logic,
    skip logic and piped text (contact, embedded field, an earlier answer) in its
    text: issue 16 wants it within 15 % of the plain page in the same run.

Prints:
    BENCH respondent_page: N req/s, p99 X ms (bare view: M req/s, p99 Y ms)
    BENCH respondent_page_logic: N req/s, p99 X ms (plain page: M req/s; P % of it)
"""

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402

from surveys import services  # noqa: E402
from surveys.models import Answer, Question, Response  # noqa: E402
from surveys.respondent import new_resume_key, response_create  # noqa: E402
from surveys.services import publishing  # noqa: E402

DURATION = int(os.environ.get("BENCH_RESPONDENT_SECONDS", "10"))
# As many connections as gunicorn has threads (2 x 2): load without a queue. Two
# threads a worker, as `make run` and the image use: on 2 cores, 4 threads a worker
# measured 582 req/s with p99 300 ms (GIL convoys), 2 threads 728 req/s, p99 16 ms.
CONNECTIONS = int(os.environ.get("BENCH_RESPONDENT_CONNECTIONS", "4"))
WORKERS = 2
THREADS = int(os.environ.get("BENCH_RESPONDENT_THREADS", "2"))


def add_logic(survey):
    """Display logic, skip logic and piped text on every question of page 2."""
    pages = list(survey.pages.order_by("position"))
    first = list(pages[0].questions.order_by("position"))
    condition = {"source": f"q:{first[1].pk}", "op": "answered"}
    for question in pages[1].questions.order_by("position"):
        question.text = (
            f"${{m://FirstName}} in ${{e://Field/Department}}, you wrote "
            f"${{q://QID{first[1].pk}/ChoiceTextEntryValue}}: {question.get_kind_display()}?"
        )
        question.display_logic = {"join": "and", "conditions": [condition]}
        question.skip_logic = {
            "join": "and",
            "conditions": [
                {"source": f"q:{first[1].pk}", "op": "is", "value": "never"}
            ],
            "to": "end",
            "message": "Screened out.",
        }
        question.save()
    Question.objects.filter(pk=first[1].pk).update(
        text="Hello ${m://FirstName} from ${e://Field/Department}"
    )


def make_survey(owner=None, *, logic=False):
    owner = owner or get_user_model().objects.create_user(
        username=f"bench-{uuid.uuid4().hex[:8]}@bench.example.edu", password=None
    )
    survey = services.survey_create(owner=owner, title="Bench: campus life")
    page1 = survey.pages.get()
    page2 = services.page_add(survey=survey)
    kinds = [
        (page1, "single_choice"),
        (page1, "short_text"),
        (page1, "number"),
        (page2, "multiple_choice"),
        (page2, "rating"),
        (page2, "matrix"),
        (page2, "email"),
        (page2, "long_text"),
    ]
    for page, kind in kinds:
        services.question_add(survey=survey, page=page, kind=kind)
    if logic:
        add_logic(survey)
    publishing.survey_publish(survey=survey)
    survey.refresh_from_db()
    response = response_create(
        survey=survey,
        channel=Response.Channel.ANONYMOUS,
        resume_key=new_resume_key(),
        contact={"first_name": "Ana", "embedded_data": {"Department": "Physics"}},
    )
    first = survey.pages.order_by("position").first().questions.order_by("position")
    Answer.objects.bulk_create(
        [Answer(response=response, question_id=q.pk, value="x") for q in first]
    )
    response.current_page = 1
    response.save()
    return owner, survey, response


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int) -> subprocess.Popen:
    env = os.environ.copy()
    env.update(
        DEBUG="false",
        SURVEYS_BENCH_VIEW="1",
        ALLOWED_HOSTS="127.0.0.1",
        SITE_URL=f"http://127.0.0.1:{port}",
        LOG_LEVEL="WARNING",
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--worker-class",
            "gthread",
            "--threads",
            str(THREADS),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/bench/bare/")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("gunicorn did not answer in 30 s")


def load_wrk(url: str, headers: dict) -> tuple[float, float]:
    args = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}s", "--latency"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run(
        args + [url], capture_output=True, text=True, check=True
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"wrk saw {errors.group(1)} error responses:\n{out}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"\s99%\s+([\d.]+)(us|ms|s)", out).groups()
    p99 = float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    return rate, p99


def load_python(port: int, path: str, headers: dict) -> tuple[float, float]:
    """A keep-alive client, one thread per connection; slower than wrk, same idea."""
    latencies: list[float] = []
    stop = time.monotonic() + DURATION
    lock = threading.Lock()

    def run():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine = []
        while time.monotonic() < stop:
            started = time.perf_counter()
            conn.request("GET", path, headers=headers)
            reply = conn.getresponse()
            reply.read()
            if reply.status != 200:
                raise RuntimeError(f"status {reply.status}")
            mine.append(time.perf_counter() - started)
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run) for _ in range(CONNECTIONS)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    return len(latencies) / elapsed, p99


def main() -> int:
    # Production settings serve hashed static files: collect them as `make run` does.
    call_command("collectstatic", "--noinput", verbosity=0)
    # Other work on the machine shows in the figures: report it beside them.
    load_before = os.getloadavg()[0]
    owner, survey, response = make_survey()
    _, logic_survey, logic_response = make_survey(owner, logic=True)
    port = free_port()
    server = start_gunicorn(port)
    try:
        page_path = f"/r/{survey.public_key}/"
        headers = {"Cookie": f"canvass_resume={response.resume_key}"}
        check = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        check.request("GET", page_path, headers=headers)
        body = check.getresponse().read().decode()
        assert "Page 2 of 2" in body, body[:500]
        logic_path = f"/r/{logic_survey.public_key}/"
        logic_headers = {"Cookie": f"canvass_resume={logic_response.resume_key}"}
        check.request("GET", logic_path, headers=logic_headers)
        body = check.getresponse().read().decode()
        assert body.count("Ana in Physics, you wrote x") == 5, body[:2000]
        if shutil.which("wrk"):
            tool = "wrk"

            def load(path, sent):
                return load_wrk(f"http://127.0.0.1:{port}{path}", sent)
        else:
            tool = "python keep-alive client"

            def load(path, sent):
                return load_python(port, path, sent)

        page = load(page_path, headers)
        logic_page = load(logic_path, logic_headers)
        bare = load("/bench/bare/", {})
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
        services.survey_delete(survey=survey)
        services.survey_delete(survey=logic_survey)
        owner.delete()
    print(
        f"(gunicorn {WORKERS} gthread workers x {THREADS} threads, {tool}, "
        f"{CONNECTIONS} connections, {DURATION} s each; load average before: "
        f"{load_before:.1f} on {os.cpu_count()} CPUs)"
    )
    print(
        f"BENCH respondent_page: {page[0]:.0f} req/s, p99 {page[1]:.1f} ms "
        f"(bare view: {bare[0]:.0f} req/s, p99 {bare[1]:.1f} ms)"
    )
    print(
        f"BENCH respondent_page_logic: {logic_page[0]:.0f} req/s, p99 "
        f"{logic_page[1]:.1f} ms (plain page: {page[0]:.0f} req/s; "
        f"{100 * logic_page[0] / page[0]:.0f} % of it)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
