"""Benchmark: send 10,000 emails through the pipeline with 2 worker processes.

A discarding SMTP server (a small asyncio sink in its own process) listens on
loopback; one `celery worker -c 2` sends through the real pipeline (dispatch_due →
invitations and deliveries → send_batch over one SMTP connection per batch). The
figure runs from the dispatch kick to the last delivery marked sent. Then, from the
same run, the same messages (pre-rendered) go through a bare smtplib loop over one
connection, so the ratio is visible.

Runs against the database named by DATABASE_URL with a scratch owner, survey and
list (contacts made by COPY), removed afterwards. Prints:

    BENCH send_10k: N msg/s with 2 workers (bare smtplib one connection: M msg/s)
"""

import os
import smtplib
import subprocess
import sys
import tempfile
import time
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

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.utils import timezone  # noqa: E402
from scratch import copy_contacts  # noqa: E402

from config.celery import app as celery_app  # noqa: E402
from directories.models import ContactList  # noqa: E402
from distributions.models import Delivery, Distribution, Invitation  # noqa: E402
from distributions.services.email_message import delivery_email  # noqa: E402
from distributions.tasks import dispatch_due  # noqa: E402
from surveys.models import Survey  # noqa: E402
from tests.harness import CeleryProcess, free_port  # noqa: E402

N = int(os.environ.get("BENCH_SEND_N", "10000"))
BODY = (
    "Dear ${m://FirstName},\n\nYou are invited to take part in a short survey "
    "about ${e://Field/Cohort}.\n\n${l://SurveyLink?d=Take the survey}\n\n"
    "Or copy this link: ${l://SurveyURL}\n\nThank you!\n\n"
    "${l://OptOutLink?d=Click here to unsubscribe}"
)

# A discarding SMTP server: enough of RFC 5321 for smtplib and Django, nothing kept.
SINK = r"""
import asyncio, sys

count = 0

async def handle(reader, writer):
    global count
    writer.write(b"220 sink ESMTP\r\n")
    while True:
        line = await reader.readline()
        if not line:
            break
        verb = line[:4].upper()
        if verb == b"EHLO":
            writer.write(b"250-sink\r\n250-8BITMIME\r\n250-PIPELINING\r\n250 SIZE 100000000\r\n")
        elif verb == b"DATA":
            writer.write(b"354 go ahead\r\n")
            await reader.readuntil(b"\r\n.\r\n")
            count += 1
            writer.write(b"250 2.0.0 accepted\r\n")
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


def make_contacts(contact_list: ContactList) -> None:
    copy_contacts(contact_list, N, {"Cohort": "the 2026 cohort"})


def start_sink() -> tuple[subprocess.Popen, int]:
    port = free_port()
    sink = subprocess.Popen(
        [sys.executable, "-c", SINK, str(port)], stdout=subprocess.PIPE, text=True
    )
    assert sink.stdout.readline().strip() == "ready"
    return sink, port


def start_worker(port: int, log_dir: Path) -> CeleryProcess:
    env = os.environ.copy()
    env.update(
        CELERY_QUEUE=QUEUE,
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(port),
        EMAIL_USE_TLS="false",
        EMAIL_USE_SSL="false",
        PYTHONUNBUFFERED="1",
    )
    worker = CeleryProcess(
        [
            "worker",
            "-Q",
            QUEUE,
            "-c",
            "2",
            "-n",
            f"{QUEUE}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "INFO",
        ],
        env,
        log_dir / "worker.log",
    )
    worker.wait_for_log("ready.")
    return worker


def bare_smtplib_rate(distribution: Distribution, port: int) -> float:
    """Send the same messages, rendered beforehand, over one smtplib connection."""
    invitations = list(Invitation.objects.filter(distribution=distribution))
    prepared = []
    for invitation in invitations:
        message = delivery_email(distribution=distribution, invitation=invitation)
        prepared.append(
            (
                distribution.from_email,
                [invitation.email],
                message.message().as_bytes(linesep="\r\n"),
            )
        )
    client = smtplib.SMTP("127.0.0.1", port)
    started = time.perf_counter()
    for sender, recipients, data in prepared:
        client.sendmail(sender, recipients, data)
    elapsed = time.perf_counter() - started
    client.quit()
    return len(prepared) / elapsed


def main() -> None:
    settings.CELERY_TASK_DEFAULT_QUEUE = QUEUE
    celery_app.conf.task_default_queue = QUEUE
    User = get_user_model()
    owner = User.objects.create_user(
        username=f"bench-send-{uuid.uuid4().hex[:8]}@bench.example"
    )
    sink, port = start_sink()
    log_dir = Path(tempfile.mkdtemp(prefix="bench-send-"))
    worker = None
    try:
        survey = Survey.objects.create(
            owner=owner, title="Bench survey", state="published", published_version=1
        )
        contact_list = ContactList.objects.create(
            owner=owner, name="Bench list", embedded_fields=["Cohort"]
        )
        make_contacts(contact_list)
        worker = start_worker(port, log_dir)

        started = timezone.now()
        distribution = Distribution.objects.create(
            survey=survey,
            owner=owner,
            kind=Distribution.Kind.EMAIL,
            contact_list=contact_list,
            list_name=contact_list.name,
            from_name="Bench Study",
            from_email="study@bench.example.edu",
            reply_to="pi@bench.example.edu",
            subject="A survey for ${m://FirstName}",
            body=BODY,
            send_at=started,
            link_expires_at=started + timedelta(days=60),
        )
        dispatch_due.delay()
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            distribution.refresh_from_db(fields=["status"])
            if distribution.status == Distribution.Status.SENT:
                break
            time.sleep(0.1)
        else:
            raise TimeoutError(f"not sent in 180 s: {worker.log()[-3000:]}")
        deliveries = Delivery.objects.filter(distribution=distribution)
        sent = deliveries.filter(status=Delivery.Status.SENT).count()
        if sent != N:
            raise RuntimeError(f"{sent} of {N} sent: {worker.log()[-3000:]}")
        last_sent = deliveries.aggregate(last=Max("sent_at"))["last"]
        pipeline_rate = N / (last_sent - started).total_seconds()
        distribution.refresh_from_db()
        dispatch_seconds = (distribution.dispatched_at - started).total_seconds()
        worker.stop()
        worker = None
        bare_rate = bare_smtplib_rate(distribution, port)
        print(
            f"BENCH send_10k: {pipeline_rate:.0f} msg/s with 2 workers "
            f"(bare smtplib one connection: {bare_rate:.0f} msg/s)"
        )
        # Context for the figure: the machine's load shares the two cores.
        print(
            f"send_10k: dispatch began {dispatch_seconds:.1f} s after the kick, "
            f"last sent at {(last_sent - started).total_seconds():.1f} s; load average "
            + " ".join(f"{x:.1f}" for x in os.getloadavg())
        )
    finally:
        if worker is not None:
            worker.stop()
        sink.terminate()
        sink.wait(timeout=10)
        # Only this run's queue: the broker may be shared.
        with celery_app.connection_for_write() as connection:
            connection.default_channel.queue_purge(QUEUE)
        Delivery.objects.filter(distribution__owner=owner).delete()
        Invitation.objects.filter(distribution__owner=owner).delete()
        Distribution.objects.filter(owner=owner).delete()
        ContactList.objects.filter(owner=owner).delete()
        Survey.objects.filter(owner=owner).delete()
        owner.delete()


if __name__ == "__main__":
    main()
