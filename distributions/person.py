"""A person across many links: the same people reached by several distributions.

Within one owner (one survey belongs to one owner), a person is a contact identified
by email ignoring case; a contact without email by its contact record
(docs/architecture.md, "One person across many links"). The key is what surveys
stores on the person's response (Response.person_key), so the database allows one
response per person per survey.
"""


def person_key(*, email: str, contact_id: int | None = None) -> str | None:
    """Return the key of the person an invitation reaches, or None if unknown."""
    email = (email or "").strip().lower()
    if email:
        return f"email:{email}"
    if contact_id is not None:
        return f"contact:{contact_id}"
    return None


# What an erased person's invitations keep in their address column
# (distributions.services.privacy): not blank, since an invitation's address is
# unique per distribution (invitation_one_per_address), and without "@", which the
# dispatch's suppression match reads as "erased: never email this row".
ERASED_EMAIL_PREFIX = "erased-"
ERASED_DELIVERY_ERROR = "Not sent: the person's data was erased."
