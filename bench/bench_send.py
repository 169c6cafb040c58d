"""Benchmark: sending through the pipeline, against one plain smtplib connection.

A discarding SMTP server (a small asyncio sink in its own process) listens on
loopback and counts what it receives by recipient and by Message-ID. One `celery
worker -c 2` sends a distribution of BENCH_SEND_N emails (10,000; 100,000 and
1,000,000 opt-in) through the real pipeline: dispatch_due → invitations and
deliveries → send_batch. Canvass's figure runs from the dispatch kick to the last
delivery marked sent. The limit is the same messages, rendered beforehand (at
most 20,000 of them), sent to the same sink by a bare smtplib loop over one
connection, measured twice in the same run (after each pipeline run; the better
is the limit). Peak RSS is the worker's whole process group (main + pool).

The same send runs again on the on-disk broker `make run` uses without REDIS_URL
(BENCH_SEND_BROKERS=0 skips it), for the embedded default's ratio to Redis.

BENCH_SEND_SCALE=1 adds two runs of BENCH_SEND_SCALE_N (100,000) emails: one
with web (gunicorn, polled as an owner watching the Emails page), worker and beat
running, reporting each one's RSS early and at its peak (flat memory); and a
scale-out run, two worker groups started as two hosts would run them (each a
worker and beat with its own CANVASS_VAR_DIR, sharing PostgreSQL and Redis),
sending one distribution together: every recipient must arrive exactly once.

Runs against DATABASE_URL with a scratch owner, survey and list (contacts made by
COPY), removed afterwards. Prints, for N = 10k:

    BENCH send_10k: N msg/s with 2 workers; limit M msg/s (plain smtplib, one
        connection); ratio R %; worker peak RSS X MB
    BENCH send_broker_10k: on-disk broker N msg/s; Redis M msg/s; ratio R %
"""

import contextlib
import json
import os
import re
import shutil
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
QUEUE = f"canvass-bench-send-{uuid.uuid4().hex[:8]}"
# This process publishes to the bench queue; the worker consumes only that one.
os.environ["CELERY_QUEUE"] = QUEUE

import django  # noqa: E402

django.setup()

from datetime import timedelta  # noqa: E402

import psutil  # noqa: E402
from celery import Celery  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db.models import Max, Min  # noqa: E402
from django.utils import timezone  # noqa: E402
from scratch import copy_contacts  # noqa: E402

from directories.models import ContactList  # noqa: E402
from distributions.models import Delivery, Distribution, Invitation  # noqa: E402
from distributions.services.email_message import (  # noqa: E402
    delivery_email,
    email_bytes,
)
from surveys.models import Survey  # noqa: E402
from teams.services import personal_team  # noqa: E402
from tests.harness import CeleryProcess, free_port  # noqa: E402

N = int(os.environ.get("BENCH_SEND_N", "10000"))
SCALE_N = int(os.environ.get("BENCH_SEND_SCALE_N", "100000"))
LIMIT_MESSAGES = 20_000
MB = 1024 * 1024
BODY = (
    "Dear ${m://FirstName},\n\nYou are invited to take part in a short survey "
    "about ${e://Field/Cohort}.\n\n${l://SurveyLink?d=Take the survey}\n\n"
    "Or copy this link: ${l://SurveyURL}\n\nThank you!\n\n"
    "${l://OptOutLink?d=Click here to unsubscribe}"
)

# A discarding SMTP server: enough of RFC 5321 for smtplib and Django. It keeps
# only counts: per recipient and per Message-ID. STAT (not SMTP) reports them as
# JSON; ZERO clears them.
SINK = r"""
import asyncio, json, re, sys
from collections import Counter

MESSAGE_ID = re.compile(rb"^Message-ID: *(\S+)", re.M | re.I)
recipients, message_ids = Counter(), Counter()

async def handle(reader, writer):
    writer.write(b"220 sink ESMTP\r\n")
    recipient = b""
    while True:
        line = await reader.readline()
        if not line:
            break
        verb = line[:4].upper()
        if verb == b"EHLO":
            writer.write(b"250-sink\r\n250-8BITMIME\r\n250-PIPELINING\r\n250 SIZE 100000000\r\n")
        elif verb == b"RCPT":
            recipient = line[8:].strip().lower()
            writer.write(b"250 OK\r\n")
        elif verb == b"DATA":
            writer.write(b"354 go ahead\r\n")
            data = await reader.readuntil(b"\r\n.\r\n")
            found = MESSAGE_ID.search(data, 0, data.find(b"\r\n\r\n"))
            message_ids[found.group(1) if found else b""] += 1
            recipients[recipient] += 1
            writer.write(b"250 2.0.0 accepted\r\n")
        elif verb == b"STAT":
            stat = {
                "messages": sum(recipients.values()),
                "recipients": len(recipients),
                "most_per_recipient": max(recipients.values(), default=0),
                "message_ids": len(message_ids),
                "most_per_message_id": max(message_ids.values(), default=0),
            }
            writer.write(b"250 " + json.dumps(stat).encode() + b"\r\n")
        elif verb == b"ZERO":
            recipients.clear()
            message_ids.clear()
            writer.write(b"250 OK\r\n")
        elif verb == b"QUIT":
            writer.write(b"221 bye\r\n")
            await writer.drain()
            break
        else:
            writer.write(b"250 OK\r\n")
        await writer.drain()
    writer.close()

async def main(port):
    server = await asyncio.start_server(
        handle, "127.0.0.1", port, limit=64 * 1024 * 1024
    )
    print("ready", flush=True)
    async with server:
        await server.serve_forever()

asyncio.run(main(int(sys.argv[1])))
"""


def label(count: int) -> str:
    if count % 1_000_000 == 0:
        return f"{count // 1_000_000}M"
    return f"{count // 1000}k" if count % 1000 == 0 else str(count)


class Sink:
    def __init__(self):
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-c", SINK, str(self.port)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout.readline().strip() == "ready"

    def command(self, verb: str) -> str:
        with socket.create_connection(("127.0.0.1", self.port)) as conn:
            reader = conn.makefile("rb")
            reader.readline()
            conn.sendall(verb.encode() + b"\r\n")
            return reader.readline().decode()[4:].strip()

    def stat(self) -> dict:
        return json.loads(self.command("STAT"))

    def zero(self) -> None:
        self.command("ZERO")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (a worker and its pool)."""
    try:
        main = psutil.Process(pid)
        processes = [main, *main.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            times = process.cpu_times()
            total += times.user + times.system
    return total


class RssSampler:
    """Samples the RSS of process groups (a role → its main pid) every 0.2 s."""

    def __init__(self, roles: dict[str, int]):
        self.roles = roles
        self.peak = dict.fromkeys(roles, 0)
        self.first = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def rss(self, pid: int) -> int:
        try:
            main = psutil.Process(pid)
            processes = [main, *main.children(recursive=True)]
        except psutil.NoSuchProcess:
            return 0
        total = 0
        for process in processes:
            with contextlib.suppress(psutil.NoSuchProcess):
                total += process.memory_info().rss
        return total

    def mark_early(self) -> None:
        """Remember the RSS now (a tenth of the way through): flat memory's base."""
        self.first = {role: self.rss(pid) for role, pid in self.roles.items()}

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            for role, pid in self.roles.items():
                self.peak[role] = max(self.peak[role], self.rss(pid))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def report(self, role: str) -> str:
        early = self.first.get(role)
        text = f"{role} peak RSS {self.peak[role] / MB:.0f} MB"
        return text + (f" ({early / MB:.0f} MB at 10 %)" if early else "")


def worker_env(port: int, broker: str, var_dir: Path | None = None) -> dict:
    env = os.environ.copy()
    env.update(
        CELERY_QUEUE=QUEUE,
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(port),
        EMAIL_USE_TLS="false",
        EMAIL_USE_SSL="false",
        PYTHONUNBUFFERED="1",
    )
    if broker == "disk":
        env.pop("REDIS_URL", None)
        env["CANVASS_VAR_DIR"] = str(var_dir)
        env["CANVASS_BROKER_DIR"] = str(var_dir / "broker")
    elif var_dir is not None:
        env["CANVASS_VAR_DIR"] = str(var_dir)
    return env


def start_worker(env: dict, log_dir: Path, name: str) -> CeleryProcess:
    worker = CeleryProcess(
        [
            "worker", "-Q", QUEUE, "-c", "2", "-n", f"{name}-{QUEUE}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            "-l", "INFO",
        ],
        env,
        log_dir / f"{name}.log",
    )  # fmt: skip
    worker.wait_for_log("ready.")
    return worker


def start_beat(env: dict, log_dir: Path, name: str) -> CeleryProcess:
    var_dir = Path(env.get("CANVASS_VAR_DIR") or log_dir)
    var_dir.mkdir(parents=True, exist_ok=True)
    return CeleryProcess(
        [
            "beat", "-l", "INFO", "-s", str(var_dir / f"{name}-schedule"),
            "--pidfile", str(var_dir / f"{name}.pid"),
        ],
        env,
        log_dir / f"{name}.log",
    )  # fmt: skip


def publisher(env: dict) -> Celery:
    """A Celery app on the broker the workers of env use, to kick dispatch."""
    if env.get("REDIS_URL"):
        return Celery(broker=env["REDIS_URL"])
    folder = str(Path(env["CANVASS_BROKER_DIR"]) / "queue")
    for sub in ("queue", "processed", "control"):
        (Path(env["CANVASS_BROKER_DIR"]) / sub).mkdir(parents=True, exist_ok=True)
    return Celery(
        broker="filesystem://",
        broker_transport_options={
            "data_folder_in": folder,
            "data_folder_out": folder,
            "control_folder": str(Path(env["CANVASS_BROKER_DIR"]) / "control"),
            "store_processed": False,
        },
    )


class Scratch:
    """The owner, survey and list the runs send to."""

    def __init__(self, count: int):
        self.owner = get_user_model().objects.create_user(
            username=f"bench-send-{uuid.uuid4().hex[:8]}@bench.example"
        )
        self.team = personal_team(self.owner)
        self.survey = Survey.objects.create(
            owner=self.owner,
            team=self.team,
            title="Bench survey",
            state="published",
            published_version=1,
        )
        self.contact_list = ContactList.objects.create(
            owner=self.owner,
            team=self.team,
            name="Bench list",
            embedded_fields=["Cohort"],
        )
        copy_contacts(self.contact_list, count, {"Cohort": "the 2026 cohort"})
        self.count = count

    def distribution(self) -> Distribution:
        now = timezone.now()
        return Distribution.objects.create(
            survey=self.survey,
            owner=self.owner,
            team=self.team,
            kind=Distribution.Kind.EMAIL,
            contact_list=self.contact_list,
            list_name=self.contact_list.name,
            from_name="Bench Study",
            from_email="study@bench.example.edu",
            reply_to="pi@bench.example.edu",
            subject="A survey for ${m://FirstName}",
            body=BODY,
            send_at=now,
            link_expires_at=now + timedelta(days=60),
        )

    def remove(self) -> None:
        owner = self.owner
        Delivery.objects.filter(distribution__owner=owner).delete()
        Invitation.objects.filter(distribution__owner=owner).delete()
        Distribution.objects.filter(owner=owner).delete()
        ContactList.objects.filter(owner=owner).delete()
        Survey.objects.filter(owner=owner).delete()
        owner.delete()


def send_once(
    scratch: Scratch, env: dict, sink: Sink, *, on_tenth=None, worker=None
) -> dict:
    """Send one distribution to the whole list; return its figures.

    With worker (its main pid): the CPU it and the sink spent per email."""
    sink.zero()
    cpu = (cpu_seconds(worker), cpu_seconds(sink.process.pid)) if worker else None
    distribution = scratch.distribution()
    kicked = timezone.now()
    app = publisher(env)
    app.send_task("distributions.dispatch_due", queue=QUEUE)
    app.close()
    count = scratch.count
    deadline = time.monotonic() + max(180, count / 100)
    tenth = False
    while time.monotonic() < deadline:
        distribution.refresh_from_db(fields=["status"])
        if distribution.status == Distribution.Status.SENT:
            break
        if on_tenth and not tenth and sink.stat()["messages"] >= count // 10:
            tenth = True
            on_tenth()
        time.sleep(0.2)
    else:
        raise TimeoutError(f"{count} not sent in time: {sink.stat()}")
    deliveries = Delivery.objects.filter(distribution=distribution)
    sent = deliveries.filter(status=Delivery.Status.SENT).count()
    if sent != count:
        raise RuntimeError(f"{sent} of {count} sent")
    times = deliveries.aggregate(first=Min("claimed_at"), last=Max("sent_at"))
    stat = sink.stat()
    if not (
        stat["messages"] == stat["recipients"] == stat["message_ids"] == count
        and stat["most_per_recipient"] == stat["most_per_message_id"] == 1
    ):
        raise RuntimeError(f"the sink did not get each of {count} once: {stat}")
    elapsed = (times["last"] - kicked).total_seconds()
    if cpu:
        cpu = (
            (cpu_seconds(worker) - cpu[0]) / count * 1000,
            (cpu_seconds(sink.process.pid) - cpu[1]) / count * 1000,
        )
    return {
        "cpu": cpu,
        "distribution": distribution,
        "rate": count / elapsed,
        "elapsed": elapsed,
        "sending": count / (times["last"] - times["first"]).total_seconds(),
        "started_after": (times["first"] - kicked).total_seconds(),
    }


def prepared_messages(distribution: Distribution) -> list:
    invitations = Invitation.objects.filter(distribution=distribution).order_by("pk")
    return [
        email_bytes(delivery_email(distribution=distribution, invitation=invitation))
        for invitation in invitations[:LIMIT_MESSAGES]
    ]


def limit_rate(prepared: list, sink: Sink) -> tuple[float, tuple[float, float]]:
    """The same messages over one plain smtplib connection: (msg/s, CPU ms per
    email of the client and of the sink)."""
    client = smtplib.SMTP("127.0.0.1", sink.port)
    sink_cpu = cpu_seconds(sink.process.pid)
    client_cpu = time.process_time()
    started = time.perf_counter()
    for sender, recipients, data in prepared:
        client.sendmail(sender, recipients, data)
    elapsed = time.perf_counter() - started
    client_cpu = (time.process_time() - client_cpu) / len(prepared) * 1000
    sink_cpu = (cpu_seconds(sink.process.pid) - sink_cpu) / len(prepared) * 1000
    client.quit()
    return len(prepared) / elapsed, (client_cpu, sink_cpu)


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def median(values: list[float]) -> float:
    values = sorted(values)
    middle = len(values) // 2
    return (
        values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2
    )


def bench_send(sink: Sink, work: Path) -> None:
    """BENCH_SEND_REPEAT rounds (3 at 10k, else 1), each: a send on each broker,
    each followed by the limit. Medians of the figures and of the ratios taken
    pair by pair (this 2-core machine is shared: its speed drifts)."""
    scratch = Scratch(N)
    repeat = int(os.environ.get("BENCH_SEND_REPEAT", "3" if N <= 10_000 else "1"))
    brokers = ["redis", "disk"] if os.environ.get("REDIS_URL") else ["disk"]
    if os.environ.get("BENCH_SEND_BROKERS", "1") == "0":
        brokers = brokers[:1]
    envs = {b: worker_env(sink.port, b, work / f"var-{b}") for b in brokers}
    workers, samplers = {}, {}
    try:
        for broker in brokers:
            workers[broker] = start_worker(envs[broker], work, f"worker-{broker}")
            samplers[broker] = RssSampler({"worker": workers[broker].process.pid})
        runs = {broker: [] for broker in brokers}
        limits = {broker: [] for broker in brokers}
        limit_cpu = []
        prepared = None
        for _round in range(repeat):
            for broker in brokers:
                runs[broker].append(
                    send_once(
                        scratch,
                        envs[broker],
                        sink,
                        worker=workers[broker].process.pid,
                    )
                )
                if prepared is None:
                    prepared = prepared_messages(runs[broker][-1]["distribution"])
                sink.zero()
                rate, cpu = limit_rate(prepared, sink)
                limits[broker].append(rate)
                limit_cpu.append(cpu)
    finally:
        for broker, worker in workers.items():
            samplers[broker].stop()
            worker.stop()
        scratch.remove()
    first = brokers[0]
    rates = [run["rate"] for run in runs[first]]
    ratios = [
        run["rate"] / limit
        for run, limit in zip(runs[first], limits[first], strict=True)
    ]
    all_limits = [x for values in limits.values() for x in values]
    print(
        f"BENCH send_{label(N)}: {median(rates):.0f} msg/s with 2 workers ({first}"
        f" broker); limit {median(limits[first]):.0f} msg/s (plain smtplib, one"
        f" connection, same messages and sink); ratio {100 * median(ratios):.0f} %"
        f" (median of {repeat}); {samplers[first].report('worker')}"
    )
    for broker, broker_runs in runs.items():
        print(
            f"send_{label(N)} {broker}: "
            + ", ".join(f"{run['rate']:.0f}" for run in broker_runs)
            + " msg/s from the kick; sending phase "
            + ", ".join(f"{run['sending']:.0f}" for run in broker_runs)
            + " msg/s; first claim after "
            + ", ".join(f"{run['started_after']:.1f}" for run in broker_runs)
            # bench_send_rate reads the first run's duration from here.
            + " s; last sent at "
            + ", ".join(f"{run['elapsed']:.1f}" for run in broker_runs)
            + " s"
        )
    worker_cpu = median([run["cpu"][0] for run in runs[first]])
    sink_cpu = median([run["cpu"][1] for run in runs[first]])
    client_cpu = median([cpu[0] for cpu in limit_cpu])
    limit_sink_cpu = median([cpu[1] for cpu in limit_cpu])
    print(
        f"BENCH send_cpu_{label(N)}: worker {worker_cpu:.2f} + sink {sink_cpu:.2f}"
        f" CPU ms per email; limit: smtplib client {client_cpu:.2f} + sink"
        f" {limit_sink_cpu:.2f}; ratio"
        f" {100 * (client_cpu + limit_sink_cpu) / (worker_cpu + sink_cpu):.0f} %"
        " (PostgreSQL's share not counted)"
    )
    print(
        f"send_{label(N)} limit runs: "
        + ", ".join(f"{x:.0f}" for x in all_limits)
        + f" msg/s; {load()}"
    )
    if len(brokers) == 2:
        pairs = [
            disk["rate"] / redis["rate"]
            for disk, redis in zip(runs["disk"], runs["redis"], strict=True)
        ]
        print(
            f"BENCH send_broker_{label(N)}: on-disk broker (make run)"
            f" {median([r['rate'] for r in runs['disk']]):.0f} msg/s; Redis"
            f" {median(rates):.0f} msg/s; ratio {100 * median(pairs):.0f} %"
            f" (median of {repeat}); {samplers['disk'].report('worker')}"
        )


def owner_cookie(owner) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(owner.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = owner.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


class Watcher:
    """An owner with the Emails page open: GET it every half second."""

    def __init__(self, url: str, cookie: str):
        self.url, self.cookie, self.pages, self.errors = url, cookie, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.wait(0.5):
            request = urllib.request.Request(self.url, headers={"Cookie": self.cookie})
            try:
                with urllib.request.urlopen(request, timeout=30) as reply:
                    reply.read()
                self.pages += 1
            except OSError:  # an HTTP error or a timeout: counted, and reported
                self.errors += 1

    def stop(self):
        self._stop.set()
        self._thread.join()


def start_web(env: dict, log_dir: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    log = open(log_dir / "web.log", "wb")  # noqa: SIM115  closed with the process
    web = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "config.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "2",
        ],
        cwd=ROOT,
        env={**env, "ALLOWED_HOSTS": "127.0.0.1", "DEBUG": "false"},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                return web, port
        except OSError:
            time.sleep(0.3)
    raise RuntimeError((log_dir / "web.log").read_text()[-3000:])


def sent_per_worker(log: str) -> int:
    return sum(
        int(n) for n in re.findall(r"succeeded in \S+: \{[^}]*'sent': (\d+)", log)
    )


def bench_scale(sink: Sink, work: Path) -> None:
    scratch = Scratch(SCALE_N)
    processes = []
    try:
        env = worker_env(sink.port, "redis" if os.environ.get("REDIS_URL") else "disk")
        env.setdefault("CANVASS_VAR_DIR", str(work / "var-scale"))
        env.setdefault("CANVASS_BROKER_DIR", str(work / "var-scale" / "broker"))
        web, web_port = start_web(env, work)
        worker = start_worker(env, work, "worker-scale")
        beat = start_beat(env, work, "beat-scale")
        processes = [worker, beat]
        roles = {"web": web.pid, "worker": worker.process.pid, "beat": beat.process.pid}
        sampler = RssSampler(roles)
        survey_url = f"http://127.0.0.1:{web_port}/surveys/{scratch.survey.pk}/"
        watcher = Watcher(survey_url + "distributions/", owner_cookie(scratch.owner))
        try:
            run = send_once(scratch, env, sink, on_tenth=sampler.mark_early)
        finally:
            watcher.stop()
            sampler.stop()
            for process in processes:
                process.stop()
            web.terminate()
            web.wait(timeout=30)
        print(
            f"BENCH send_scale_{label(SCALE_N)}: {run['elapsed']:.0f} s for"
            f" {SCALE_N} recipients on 2 workers ({run['rate']:.0f} msg/s, goal"
            f" < 120 s); "
            + "; ".join(sampler.report(role) for role in roles)
            + f"; {watcher.pages} Emails pages served ({watcher.errors} errors);"
            f" {load()}"
        )

        # Two groups as two hosts run them: own folders, shared PostgreSQL/Redis.
        groups = []
        for name in ("host-a", "host-b"):
            group_env = worker_env(sink.port, "redis", work / name)
            if not group_env.get("REDIS_URL"):
                print("send_scaleout: skipped (two hosts share Redis: set REDIS_URL)")
                return
            groups.append(
                (
                    start_worker(group_env, work, f"{name}-worker"),
                    start_beat(group_env, work, f"{name}-beat"),
                )
            )
        processes = [p for group in groups for p in group]
        try:
            both = send_once(scratch, env, sink)
        finally:
            for process in processes:
                process.stop()
        shares = [sent_per_worker(worker.log()) for worker, _beat in groups]
        print(
            f"BENCH send_scaleout_{label(SCALE_N)}: two worker groups (own"
            f" CANVASS_VAR_DIR each) {both['rate']:.0f} msg/s together ("
            + " + ".join(f"{s / both['elapsed']:.0f}" for s in shares)
            + f" msg/s; sent {' + '.join(map(str, shares))}) vs one group"
            f" {run['rate']:.0f} msg/s; each recipient once at the sink"
            f" (by recipient and Message-ID); {load()}"
        )
    finally:
        for process in processes:
            process.stop()
        scratch.remove()


def main() -> None:
    sink = Sink()
    work = Path(tempfile.mkdtemp(prefix="bench-send-"))
    try:
        bench_send(sink, work)
        if os.environ.get("BENCH_SEND_SCALE") == "1":
            bench_scale(sink, work)
    finally:
        sink.stop()
        if os.environ.get("REDIS_URL"):
            # Only this run's queue: the broker may be shared.
            with Celery(broker=os.environ["REDIS_URL"]).connection_for_write() as conn:
                conn.default_channel.queue_purge(QUEUE)
        if os.environ.get("BENCH_SEND_KEEP") == "1":
            print(f"send: logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
