"""Benchmark: recording 10,000 returned messages (issue 17: ≤ 10 s).

Sets up, in the database named by DATABASE_URL, a scratch owner with one sent
email distribution of BENCH_BOUNCES_SIZE (10,000) deliveries, then feeds one
returned message per delivery to distributions.services.bounces
.bounce_messages_process, the function `manage.py process_bounce` and the IMAP
poller call, in batches of 500 as the poller does, in one process: a quarter each of a real Postfix DSN (hard, found
by its VERP address), a Postfix "delayed" DSN (soft), an Exim plain-text bounce
(hard, found by the returned Message-ID) and an RFC 5965 complaint (by
Message-ID). Parsing and recording are timed together; the outcomes are checked
afterwards. Everything the scratch owner has is removed afterwards. Prints:

    BENCH bounces_10k: X.XX s (N messages/s)
"""

import os
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["BOUNCE_DOMAIN"] = "bounces.bench.example"

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.scratch import copy_contacts  # noqa: E402
from directories.models import ContactList, Suppression  # noqa: E402
from distributions.bounces.verp import return_path  # noqa: E402
from distributions.models import Delivery, Distribution, Invitation  # noqa: E402
from distributions.services.bounces import bounce_messages_process  # noqa: E402
from distributions.services.invitations import (  # noqa: E402
    invitations_create_from_list,
)
from surveys.models import Survey, SurveyVersion  # noqa: E402
from teams.services import personal_team  # noqa: E402

SIZE = int(os.environ.get("BENCH_BOUNCES_SIZE", "10000"))
SAMPLES = ROOT / "tests" / "distributions" / "dsn_samples"
# As the bounce mailbox's poller hands them over (distributions.bounces.mailbox).
BATCH = 500
EXIM_MESSAGE_ID = b"<19990920022322.A19735@stereo.rotzorg.org>"


def set_up() -> tuple[int, int]:
    owner = get_user_model().objects.create_user(
        username=f"bench-bounces-{uuid.uuid4().hex[:8]}@example.org",
        email="bench-bounces@example.org",
    )
    team = personal_team(owner)
    survey = Survey.objects.create(
        owner=owner, team=team, title="Bench", state="published", published_version=1
    )
    SurveyVersion.objects.create(
        survey=survey, number=1, definition={"title": "Bench", "pages": []}
    )
    the_list = ContactList.objects.create(owner=owner, team=team, name="Bench list")
    copy_contacts(the_list, SIZE, {})
    now = timezone.now()
    distribution = Distribution.objects.create(
        survey=survey,
        owner=owner,
        team=team,
        kind=Distribution.Kind.EMAIL,
        contact_list=the_list,
        list_name=the_list.name,
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
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {Delivery._meta.db_table}
                (distribution_id, invitation_id, status, attempts, message_id, error,
                 created_at, sent_at)
            SELECT distribution_id, id, 'sent', 1,
                   '<bench-' || id || '@bounces.bench.example>', '', %s, %s
            FROM {Invitation._meta.db_table} WHERE distribution_id = %s
            """,
            [now, now, distribution.pk],
        )
    return owner.pk, distribution.pk


def complaint(message_id: str) -> bytes:
    return (
        "From: <staff@mail.example>\r\nTo: <abuse@uni.example>\r\nSubject: report\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=feedback-report; boundary="b"\r\n'
        "\r\n--b\r\nContent-Type: text/plain\r\n\r\nAn abuse report.\r\n"
        "--b\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\n"
        "Version: 1\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n"
        f"From: a@uni.example\r\nMessage-ID: {message_id}\r\n\r\nHello\r\n--b--\r\n"
    ).encode()


def messages(distribution_id: int) -> list[tuple[bytes, str]]:
    hard = (SAMPLES / "postfix_failed.eml").read_bytes()
    soft = (SAMPLES / "postfix_delayed.eml").read_bytes()
    exim = (SAMPLES / "exim_legacy_text.eml").read_bytes()
    rows = Delivery.objects.filter(distribution_id=distribution_id).values_list(
        "pk", "message_id"
    )
    out = []
    for n, (pk, message_id) in enumerate(rows.order_by("pk")):
        kind = n % 4
        if kind == 0:
            out.append((hard, return_path(pk)))
        elif kind == 1:
            out.append((soft, return_path(pk)))
        elif kind == 2:
            out.append((exim.replace(EXIM_MESSAGE_ID, message_id.encode()), ""))
        else:
            out.append((complaint(message_id), ""))
    return out


def tear_down(owner_id: int) -> None:
    Suppression.objects.filter(owner_id=owner_id).delete()
    Distribution.objects.filter(owner_id=owner_id).delete()
    get_user_model().objects.filter(pk=owner_id).delete()


def main() -> None:
    owner_id, distribution_id = set_up()
    try:
        work = messages(distribution_id)
        started = time.perf_counter()
        outcomes = []
        for start in range(0, len(work), BATCH):
            outcomes += bounce_messages_process(work[start : start + BATCH])
        elapsed = time.perf_counter() - started
        assert outcomes.count("recorded") == SIZE, set(outcomes)
        deliveries = Delivery.objects.filter(distribution_id=distribution_id)
        assert deliveries.filter(bounce="hard").count() == SIZE // 2
        assert deliveries.filter(complained_at__isnull=False).count() == SIZE // 4
        assert Suppression.objects.filter(owner_id=owner_id).count() == SIZE * 3 // 4
        print(
            f"BENCH bounces_{SIZE // 1000}k: {elapsed:.2f} s "
            f"({SIZE / elapsed:.0f} messages/s)"
        )
    finally:
        tear_down(owner_id)


if __name__ == "__main__":
    main()
