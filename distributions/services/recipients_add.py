"""One more recipient (issue 17 h): a contact or a few added to a distribution or
a personal-links batch that has already gone out.

Each gets an invitation of their own in that same distribution (a personal link,
a snapshot of the contact like the others) and, for an email distribution, one
email through the ordinary pipeline, counted on its row; nobody else is emailed
again. An address the distribution already has is left as it is; a suppressed
one gets an Opted Out delivery (no email), as at dispatch. A links batch made
without the contacts who opted out gives them no link now either. A distribution that
had finished is sending again until the new emails are out.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directories.selectors.suppressions import OPT_OUT_REASONS, suppressed_email_set
from distributions.models import Delivery, Distribution, Invitation
from distributions.services.dispatch import DEFAULT_LINK_DAYS, delivery_batches_enqueue
from teams import access
from teams.access import Right

_OPEN = {
    Distribution.Kind.EMAIL: (Distribution.Status.SENDING, Distribution.Status.SENT),
    Distribution.Kind.LINKS: (Distribution.Status.READY,),
}


@transaction.atomic
def distribution_recipients_add(*, user, distribution: Distribution, contacts) -> int:
    """Add contacts of the distribution's team to a distribution that went out
    (the user must be allowed to send there); return how many were new to it."""
    distribution = Distribution.objects.select_for_update().get(pk=distribution.pk)
    access.require(user, distribution.team_id, Right.SEND)
    if distribution.parent_id is not None:
        raise ValidationError(_("Recipients can be added to a first email or batch."))
    if distribution.status not in _OPEN[distribution.kind]:
        raise ValidationError(
            "Only a distribution that has gone out takes more recipients; "
            f"this one is {distribution.get_status_display().lower()}."
        )
    if any(
        contact.contact_list.team_id != distribution.team_id for contact in contacts
    ):
        raise ValidationError(_("You can only add contacts of this team's lists."))
    now = timezone.now()
    known = {
        email.lower()
        for email in Invitation.objects.filter(distribution=distribution).values_list(
            "email", flat=True
        )
    }
    # As links_generate did: a batch without the opted-out gives them no link
    # (the set also matches erased people's hashed opt-outs).
    opted_out = (
        suppressed_email_set(team_id=distribution.team_id, reasons=OPT_OUT_REASONS)
        if distribution.kind == Distribution.Kind.LINKS
        and not distribution.include_opted_out
        else ()
    )
    new, seen = [], set()
    for contact in contacts:
        address = contact.email.strip().lower()
        if not address or address in known or address in seen or address in opted_out:
            continue
        seen.add(address)
        new.append(
            Invitation(
                distribution=distribution,
                contact_id=contact.pk,
                first_name=contact.first_name,
                last_name=contact.last_name,
                email=contact.email.strip(),
                external_reference=contact.external_reference,
                language=contact.language,
                embedded_data=contact.embedded_data or {},
                expires_at=distribution.link_expires_at
                or now + timedelta(days=DEFAULT_LINK_DAYS),
            )
        )
    if not new:
        return 0
    invitations = Invitation.objects.bulk_create(new)
    # Its size on the row and in the API (a links batch's progress total too).
    distribution.recipients_total += len(invitations)
    fields, queued = ["recipients_total"], []
    if distribution.kind == Distribution.Kind.EMAIL:
        suppressed = suppressed_email_set(team_id=distribution.team_id)
        deliveries = Delivery.objects.bulk_create(
            [
                Delivery(
                    distribution=distribution,
                    invitation=invitation,
                    status=Delivery.Status.OPTED_OUT
                    if invitation.email in suppressed
                    else Delivery.Status.QUEUED,
                    error="Not sent: suppressed."
                    if invitation.email in suppressed
                    else "",
                    enqueued_at=now,
                )
                for invitation in invitations
            ]
        )
        queued = [d.pk for d in deliveries if d.status == Delivery.Status.QUEUED]
        if queued and distribution.status == Distribution.Status.SENT:
            distribution.status = Distribution.Status.SENDING
            distribution.finished_at = None
            fields += ["status", "finished_at"]
    distribution.save(update_fields=fields)
    if queued:
        transaction.on_commit(lambda: delivery_batches_enqueue(queued))
    return len(invitations)
