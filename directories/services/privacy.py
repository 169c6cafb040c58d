"""A person's part of a team's directory, erased (directories' share of an erasure).

distributions.services.privacy orchestrates a person's erasure; this module erases
what directories holds: the person's contacts in every list, the address in import
reports, and their suppression, which stays only as a hash
(directories.suppression_hash) so nobody can email them again.
"""

import re

from django.db import transaction
from django.db.models import Q

from directories.models import Contact, ContactImport, Suppression
from directories.suppression_hash import email_hash

ERASED = "[erased]"


@transaction.atomic
def person_directory_erase(*, team_id: int, email: str) -> dict[str, int]:
    """Erase the address from the team's directory; return counts of what changed.

    {"contacts": deleted contact rows, "imports": import reports scrubbed,
    "suppression_hashed": 1 if the person's opt-out now stands as a hash}.
    """
    email = email.strip()
    contacts = Contact.objects.filter(
        contact_list__team_id=team_id, email__iexact=email
    )
    # The ORM's delete, not a raw one: invitations made from these contacts keep
    # their rows, their contact set to NULL (Invitation.contact is SET_NULL).
    deleted = contacts.count()
    contacts.delete()
    return {
        "contacts": deleted,
        "imports": _imports_scrub(team_id=team_id, email=email),
        "suppression_hashed": int(
            suppression_hash_person(team_id=team_id, email=email)
        ),
    }


def suppression_hash_person(*, team_id: int, email: str) -> bool:
    """Keep the team's suppression of an address as its hash alone.

    Return True if the address is suppressed (now by hash), False if it was not.
    """
    hashed = email_hash(email)
    found = list(
        Suppression.objects.select_for_update().filter(
            Q(email__iexact=email) | Q(email_hash=hashed), team_id=team_id
        )
    )
    if not found:
        return False
    keep, *duplicates = sorted(found, key=lambda s: (s.email != "", s.created_at))
    for duplicate in duplicates:
        duplicate.delete()
    keep.email, keep.email_hash = "", hashed
    keep.save(update_fields=["email", "email_hash"])
    return True


def _imports_scrub(*, team_id: int, email: str) -> int:
    """Remove the address from the team's import reports (rejections, errors)."""
    pattern = re.compile(re.escape(email), re.IGNORECASE)
    imports = ContactImport.objects.filter(team_id=team_id).filter(
        Q(error__icontains=email) | Q(rejections__icontains=email)
    )
    scrubbed = 0
    for contact_import in imports:
        contact_import.error = pattern.sub(ERASED, contact_import.error)
        contact_import.rejections = [
            {
                k: pattern.sub(ERASED, v) if isinstance(v, str) else v
                for k, v in r.items()
            }
            for r in contact_import.rejections
        ]
        contact_import.save(update_fields=["error", "rejections"])
        scrubbed += 1
    return scrubbed
