"""Celery tasks of the sending pipeline and of personal links: short bodies that
call services.

Services enqueue these by name (core.queue.enqueue), so the names are stable.
Arguments are ids only (never tokens). acks_late is safe on every task here: each
is idempotent (dispatch runs in one transaction under a row lock; send_batch claims
each delivery before sending it; generate_links resumes), so a redelivered message
costs a query, not an email.
"""

from celery import shared_task

from core.reconnect import CONNECTION_ERRORS
from distributions.services.bounces import bounce_mailbox_poll
from distributions.services.dispatch import distributions_dispatch_due
from distributions.services.links import links_generate_in_worker
from distributions.services.send import deliveries_send
from distributions.services.sweeper import deliveries_sweep, links_batches_requeue


@shared_task(name="distributions.dispatch_due", acks_late=True, ignore_result=True)
def dispatch_due() -> list[int]:
    return distributions_dispatch_due()


@shared_task(
    name="distributions.send_batch",
    acks_late=True,
    ignore_result=True,
    # PostgreSQL away (a restart): try again with backoff rather than drop the
    # batch; its lanes have already reconnected and retried for a while.
    autoretry_for=CONNECTION_ERRORS,
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=30,
)
def send_batch(delivery_ids: list[int]) -> dict[str, int]:
    return deliveries_send(delivery_ids=[int(i) for i in delivery_ids])


@shared_task(name="distributions.sweep_stuck", acks_late=True, ignore_result=True)
def sweep_stuck() -> dict[str, int]:
    return {**deliveries_sweep(), "links_requeued": len(links_batches_requeue())}


@shared_task(name="distributions.generate_links", acks_late=True, ignore_result=True)
def generate_links(distribution_id: int) -> int:
    """Make a large personal-links batch; safe to redeliver (it resumes)."""
    return links_generate_in_worker(distribution_id=int(distribution_id))


@shared_task(
    name="distributions.poll_bounce_mailbox", acks_late=True, ignore_result=True
)
def poll_bounce_mailbox() -> int:
    """Read the IMAP bounce mailbox (scheduled only when BOUNCE_IMAP_HOST is set)."""
    return bounce_mailbox_poll()
