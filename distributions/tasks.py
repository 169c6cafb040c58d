"""Celery tasks of the sending pipeline: short bodies that call services.

Arguments are ids only (never tokens). acks_late is safe on every task here: each
is idempotent (dispatch runs in one transaction under a row lock; send_batch claims
each delivery before sending it), so a redelivered message costs a query, not an
email.
"""

from celery import shared_task

from distributions.services import sending


@shared_task(name="distributions.dispatch_due", acks_late=True, ignore_result=True)
def dispatch_due() -> list[int]:
    return sending.distributions_dispatch_due()


@shared_task(name="distributions.send_batch", acks_late=True, ignore_result=True)
def send_batch(delivery_ids: list[int]) -> dict[str, int]:
    return sending.deliveries_send(delivery_ids=[int(i) for i in delivery_ids])


@shared_task(name="distributions.sweep_stuck", acks_late=True, ignore_result=True)
def sweep_stuck() -> dict[str, int]:
    return sending.deliveries_sweep()


# --- personal links ---


@shared_task(name="distributions.generate_links", acks_late=True, ignore_result=True)
def generate_links(distribution_id: int) -> int:
    """Make a large personal-links batch; safe to redeliver (it resumes)."""
    from django.conf import settings

    from distributions.services.invitations import invitation_statistics_refresh
    from distributions.services.links import links_generate_run

    made = links_generate_run(
        distribution_id=int(distribution_id),
        batch_size=settings.LINKS_BATCH_SIZE,
        lanes=settings.LINKS_GENERATE_LANES,
    )
    invitation_statistics_refresh(added=made)
    return made
