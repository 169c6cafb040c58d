"""Personal-link batches and control over each link: generate, revoke, extend,
regenerate.

Every write is a conditional UPDATE scoped to the teams where the user may send
(distributions.team_rights), so a stale page or a double click changes nothing
twice and another team's ids change nothing at all. The links task re-checks that
the member who asked for a batch may still send when it runs.
"""

import datetime
import math
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from itertools import pairwise

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.queue import enqueue
from core.tokens import new_token
from directories.selectors import contact_list_range_ends, contact_list_size
from distributions.models import Distribution, Invitation
from distributions.services.audit import distribution_audit
from distributions.services.compose import (
    distribution_create_for_token,
    sending_check,
    survey_distributable_problem,
)
from distributions.services.invitations import (
    invitation_statistics_refresh,
    invitations_copy_rows,
    invitations_create_from_list,
)
from distributions.team_rights import sender_refusal
from teams import access
from teams.access import Right

# The first key of the advisory locks this module takes (the second: a batch id).
ADVISORY_LOCK_LINKS = 7301


def _sync_limit() -> int:
    return settings.LINKS_SYNC_MAX


def links_generate(
    *,
    user,
    survey,
    contact_list,
    expires_at: datetime.datetime,
    sample_size: int | None = None,
    include_opted_out: bool = False,
    request_token: str | None = None,
    synchronous: bool | None = None,
) -> Distribution:
    """Create a personal-links batch for a list (or a random sample of it).

    Contacts who opted out (directories' OPT_OUT_REASONS) get no link unless
    `include_opted_out`; the batch's size and any sample count the others.
    Up to LINKS_SYNC_MAX links are made in this transaction, so the CSV can be
    downloaded at once; a larger batch stays "generating" and is made by the
    `distributions.generate_links` task. `request_token` is the form's one-time
    token: a double-clicked Generate Links returns the batch the first click made.
    `synchronous` True makes every link here whatever the size (command line).
    """
    sending_check(user=user, survey=survey, contact_list=contact_list)
    problem = survey_distributable_problem(survey=survey)
    if problem:
        raise ValidationError(problem)
    if expires_at <= timezone.now():
        raise ValidationError(_("The expiry must be in the future."))
    if sample_size is not None and sample_size < 1:
        raise ValidationError(_("A sample has at least one contact."))
    size = contact_list_size(
        contact_list=contact_list, without_opted_out=not include_opted_out
    )
    if size == 0:
        if include_opted_out or not contact_list_size(contact_list=contact_list):
            raise ValidationError(_("This list has no contacts."))
        raise ValidationError(
            "Every contact of this list opted out. Check “Include contacts who "
            "opted out” to make links for them anyway."
        )
    total = min(size, sample_size) if sample_size else size
    # One savepoint for the row and the links made here: a failure leaves neither.
    with transaction.atomic():
        distribution, created = distribution_create_for_token(
            owner=user,
            compose_token=request_token,
            survey=survey,
            kind=Distribution.Kind.LINKS,
            contact_list=contact_list,
            list_name=contact_list.name,
            sample_size=sample_size,
            include_opted_out=include_opted_out,
            link_expires_at=expires_at,
            status=Distribution.Status.GENERATING,
            recipients_total=total,
        )
        if not created:
            return distribution
        distribution_audit(user=user, distribution=distribution, recipients=total)
        if synchronous or (synchronous is None and total <= _sync_limit()):
            links_generate_run(distribution_id=distribution.pk)
            distribution.refresh_from_db()
        else:
            # After commit (enqueue's on_commit): the worker must see the batch row.
            enqueue("distributions.generate_links", distribution.pk)
    return distribution


def links_generate_run(
    *, distribution_id: int, batch_size: int | None = None, lanes: int = 1
) -> int:
    """Make the links of a "generating" batch; return how many exist now.

    The list is cut into ranges of batch_size contacts (without one, in the
    request that creates the batch, the whole list is one range). Each range
    commits on its own (a savepoint inside the request's transaction), so the
    page's progress bar moves, and `lanes` ranges run at a time, each on its
    own database connection (so more than one only outside a transaction,
    which the other connections could not see): at 100k links the inserts and their foreign-key
    checks are CPU-bound in PostgreSQL, and two lanes use both cores of a small
    server. Idempotent: a retried or redelivered task makes links only for the
    contacts that have none. A sample is drawn and written in one transaction.
    Unless the batch includes them, contacts who opted out get no link.
    """
    distribution = _generating(distribution_id)
    if distribution is None:
        return 0
    contact_list = distribution.contact_list
    if contact_list is None:
        Distribution.objects.filter(
            pk=distribution_id, status=Distribution.Status.GENERATING
        ).update(
            status=Distribution.Status.FAILED,
            finished_at=timezone.now(),
            error="The list was deleted before its links were made.",
        )
        return 0
    if distribution.sample_size:
        with transaction.atomic():
            if _lock_generating(distribution_id) and not _has_links(distribution_id):
                invitations_create_from_list(
                    distribution=distribution,
                    contact_list=contact_list,
                    expires_at=distribution.link_expires_at,
                    sample_size=distribution.sample_size,
                    without_opted_out=not distribution.include_opted_out,
                )
            return _links_ready(distribution_id)
    # Without a batch_size (the request), the whole list is one step.
    total = max(distribution.recipients_total, 1)
    size = _even_step(total, batch_size, lanes) if batch_size else total
    with _one_run_at_a_time(distribution_id):
        # A run that waited here finds the batch the first run finished.
        if _generating(distribution_id) is None:
            return 0
        skip_existing = _has_links(distribution_id)
        bounds = [
            0,
            *contact_list_range_ends(
                contact_list=contact_list,
                size=size,
                without_opted_out=not distribution.include_opted_out,
            ),
            None,
        ]

        def fill(after, through):
            return lambda: _links_fill_range(
                distribution=distribution,
                after_contact_id=after,
                through_contact_id=through,
                limit=size,
                skip_existing=skip_existing,
            )

        _run_in_lanes(
            [fill(after, through) for after, through in pairwise(bounds)],
            lanes=lanes,
        )
        with transaction.atomic():
            if not _lock_generating(distribution_id):
                return 0
            return _links_ready(distribution_id)


def links_generate_in_worker(*, distribution_id: int) -> int:
    """Make a large batch's links as its task does; return how many were made.

    LINKS_BATCH_SIZE contacts a step on LINKS_GENERATE_LANES connections, then the
    invitation statistics learn of the new links. A batch whose member may no
    longer send in its team fails with the reason and gets no link.
    """
    distribution = _generating(distribution_id)
    refusal = distribution is not None and sender_refusal(distribution)
    if refusal:
        Distribution.objects.filter(
            pk=distribution_id, status=Distribution.Status.GENERATING
        ).update(
            status=Distribution.Status.FAILED,
            finished_at=timezone.now(),
            error=refusal,
        )
        return 0
    made = links_generate_run(
        distribution_id=distribution_id,
        batch_size=settings.LINKS_BATCH_SIZE,
        lanes=settings.LINKS_GENERATE_LANES,
    )
    invitation_statistics_refresh(added=made)
    return made


def _generating(distribution_id: int) -> Distribution | None:
    return (
        Distribution.objects.select_related("contact_list")
        .filter(pk=distribution_id, status=Distribution.Status.GENERATING)
        .first()
    )


def _links_fill_range(
    *,
    distribution: Distribution,
    after_contact_id: int,
    through_contact_id: int | None,
    limit: int,
    skip_existing: bool,
) -> int:
    """Give links to the list's contacts in (after, through], limit per commit."""
    made_in_range = 0
    while True:
        with transaction.atomic():
            made, after_contact_id = invitations_copy_rows(
                distribution=distribution,
                contact_list=distribution.contact_list,
                expires_at=distribution.link_expires_at,
                after_contact_id=after_contact_id,
                through_contact_id=through_contact_id,
                limit=limit,
                skip_existing=skip_existing,
                without_opted_out=not distribution.include_opted_out,
            )
        made_in_range += made
        # Fewer than asked: the range is done (contacts added since the ranges
        # were cut only make it longer, hence the loop).
        if made < limit:
            return made_in_range


def _even_step(total: int, batch_size: int, lanes: int) -> int:
    """Return the step, at most batch_size, that cuts `total` contacts into a
    multiple of `lanes` ranges of equal size.

    So no lane idles through the last round: 100k contacts in steps of 20,000 on
    two lanes is three rounds, the last on one lane; in six steps of 16,667 every
    round uses both cores.
    """
    ranges = lanes * math.ceil(total / (lanes * batch_size))
    return math.ceil(total / ranges)


def _run_in_lanes(jobs, *, lanes: int) -> None:
    """Run the jobs, `lanes` at a time, each lane a thread with its own connection."""
    if min(lanes, len(jobs)) <= 1:
        for job in jobs:
            job()
        return

    def in_thread(job):
        try:
            return job()
        finally:
            # Django opened this thread's connection; nobody else will close it.
            connections.close_all()

    with ThreadPoolExecutor(max_workers=lanes) as pool:
        futures = [pool.submit(in_thread, job) for job in jobs]
        for future in futures:
            future.result()


@contextmanager
def _one_run_at_a_time(distribution_id: int):
    """Hold a session lock for one batch across the run's many transactions.

    A second run of the same batch (a redelivered task) waits until the first
    ends; a run whose worker dies loses its connection, and the lock with it.
    """
    key = [ADVISORY_LOCK_LINKS, distribution_id]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", key)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)


def links_run_active(distribution_id: int) -> bool:
    """Return whether a run of the batch holds its lock now, on any connection."""
    # pg_advisory_lock(int, int) shows in pg_locks as classid, objid, objsubid 2.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'"
            " AND classid = %s AND objid = %s AND objsubid = 2 AND granted)",
            [ADVISORY_LOCK_LINKS, distribution_id],
        )
        return cursor.fetchone()[0]


def _lock_generating(distribution_id: int) -> bool:
    # Held until the caller's commit: whoever waits here finds the batch ready.
    return (
        Distribution.objects.select_for_update()
        .filter(pk=distribution_id, status=Distribution.Status.GENERATING)
        .exists()
    )


def _has_links(distribution_id: int) -> bool:
    return Invitation.objects.filter(distribution_id=distribution_id).exists()


def _links_ready(distribution_id: int) -> int:
    count = Invitation.objects.filter(distribution_id=distribution_id).count()
    Distribution.objects.filter(
        pk=distribution_id, status=Distribution.Status.GENERATING
    ).update(
        status=Distribution.Status.READY,
        recipients_total=count,
        finished_at=timezone.now(),
    )
    return count


# --- Control over each link ------------------------------------------------------


def _owned_invitations(*, user, distribution_id: int | None = None):
    # The links of the teams where the user may send (link control is sending).
    qs = Invitation.objects.filter(
        distribution__team_id__in=access.teams_with(user, Right.SEND)
    )
    if distribution_id is not None:
        qs = qs.filter(distribution_id=distribution_id)
    return qs


def invitation_revoke(*, user, invitation_id: int) -> bool:
    """Revoke one link at once; return False when it was already revoked."""
    return bool(
        _owned_invitations(user=user)
        .filter(pk=invitation_id, revoked_at__isnull=True)
        .update(revoked_at=timezone.now())
    )


def invitation_extend(
    *, user, invitation_id: int, expires_at: datetime.datetime
) -> bool:
    """Move one unfinished link's expiry to expires_at (a future time)."""
    if expires_at <= timezone.now():
        raise ValidationError(_("The new expiry must be in the future."))
    return bool(
        _owned_invitations(user=user)
        .filter(pk=invitation_id)
        .exclude(response__finished_at__isnull=False)
        .update(expires_at=expires_at)
    )


def invitation_regenerate(*, user, invitation_id: int) -> bool:
    """Give one unfinished link a new token; the old link stops working at once.

    The invitation keeps its row (one history row per contact, with the current
    link), its response and its progress; a revoked link becomes usable again.
    """
    return bool(
        _owned_invitations(user=user)
        .filter(pk=invitation_id)
        .exclude(response__finished_at__isnull=False)
        .update(token=new_token(), revoked_at=None)
    )


def invitations_extend_unfinished(
    *, user, distribution_id: int, expires_at: datetime.datetime
) -> int:
    """Move the expiry of every unfinished link of a batch; return how many moved.

    Revoked links stay revoked. Links already expiring later than expires_at are
    left alone, so the bulk action never shortens a link.
    """
    if expires_at <= timezone.now():
        raise ValidationError(_("The new expiry must be in the future."))
    with transaction.atomic():
        moved = (
            _owned_invitations(user=user, distribution_id=distribution_id)
            .filter(revoked_at__isnull=True, expires_at__lt=expires_at)
            .filter(Q(response__isnull=True) | Q(response__finished_at__isnull=True))
            .update(expires_at=expires_at)
        )
        # The batch's row shows when its links expire.
        Distribution.objects.filter(
            pk=distribution_id,
            team_id__in=access.teams_with(user, Right.SEND),
            link_expires_at__lt=expires_at,
        ).update(link_expires_at=expires_at)
    return moved
