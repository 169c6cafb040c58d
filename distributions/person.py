"""A person across many links: the same people reached by several distributions.

Within one owner (one survey belongs to one owner), a person is a contact identified
by email ignoring case; a contact without email by its contact record
(docs/architecture.md, "One person across many links"). The key is what surveys
stores on the person's response (Response.person_key), so the database allows one
response per person per survey.

Also the one home of "how far has this invitation's person got": the history CSV
(selectors.history), a follow-up's audience (services.dispatch) and the pages
(selectors.invitations) all read it from here.
"""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Min, OuterRef, Q, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Collate, Lower

from distributions.models import Distribution, Invitation
from surveys.selectors import person_progress_rows, response_progress_rows


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


def invitation_person_key(invitation: Invitation) -> str | None:
    return person_key(email=invitation.email, contact_id=invitation.contact_id)


def person_key_sql(alias: str) -> str:
    """Return person_key() in SQL over the invitation row named alias.

    Addresses are stored stripped (directories strips them on the way in), so
    only lower() runs per row. Byte-wise collation, as Response.person_key's.
    """
    return (
        f"(CASE WHEN {alias}.email <> ''"
        f" THEN 'email:' || lower({alias}.email)"
        f" WHEN {alias}.contact_id IS NOT NULL"
        f" THEN 'contact:' || {alias}.contact_id::text END) COLLATE \"C\""
    )


@dataclass(frozen=True)
class PersonProgress:
    """LEFT JOINs to add after `FROM invitations <alias>`, and what they give.

    started_at, finished_at, public_id: SQL expressions of the person's progress
    by any route: the invitation's own response, else the person's response to the
    survey, and a finish recorded anonymously (on this invitation or, for an
    anonymous survey, on any other of the person's). screened_out: whether that
    response ended in a screen-out (false for an anonymous finish, which keeps no
    such fact: it would tell how the person answered).
    """

    joins: str
    params: list
    started_at: str
    finished_at: str
    public_id: str
    screened_out: str


def _reads_other_links_anonymous_finishes(survey) -> bool:
    # Several responses per contact: another link's finish is not this one's.
    return survey.anonymous_responses and not survey.allow_multiple_responses


def person_progress_sql(*, survey, alias="i"):
    """Return the PersonProgress joins for invitations of one survey.

    Both response subqueries are the survey's responses only (small beside 100,000
    invitations), hashed once; the invitations are probed by id and by key.
    """
    survey_id = survey.pk
    anonymous = _reads_other_links_anonymous_finishes(survey)
    own_sql, own_params = response_progress_rows(
        survey_id=survey_id
    ).query.sql_with_params()
    person_sql, person_params = person_progress_rows(
        survey_id=survey_id
    ).query.sql_with_params()
    key = person_key_sql(alias)
    joins = (
        f" LEFT JOIN ({own_sql}) r ON r.id = {alias}.response_id"
        f" LEFT JOIN ({person_sql}) p ON p.person_key = {key}"
    )
    params = [*own_params, *person_params]
    finished = f"r.finished_at, p.finished_at, {alias}.finished_anonymously_at"
    if anonymous:
        # A later batch's link of someone who finished anonymously: only the
        # invitations of that time carry the date.
        joins += f"""
            LEFT JOIN (
                SELECT {person_key_sql("a")} AS person_key,
                       min(a.finished_anonymously_at) AS finished_at
                FROM {Invitation._meta.db_table} a
                WHERE a.finished_anonymously_at IS NOT NULL
                  AND a.distribution_id IN (
                      SELECT d.id FROM {Distribution._meta.db_table} d
                      WHERE d.survey_id = %s)
                GROUP BY 1
            ) fa ON fa.person_key = {key}"""
        params.append(survey_id)
        finished += ", fa.finished_at"
    return PersonProgress(
        joins=joins,
        params=params,
        started_at="COALESCE(r.started_at, p.started_at)",
        finished_at=f"COALESCE({finished})",
        public_id="COALESCE(r.public_id, p.public_id)",
        # As status.person_screened_out reads it: the own finished response's,
        # never an anonymous finish's, else the person's other response's.
        screened_out=(
            "CASE WHEN r.finished_at IS NOT NULL THEN r.screened_out"
            f" WHEN {alias}.finished_anonymously_at IS NOT NULL THEN false"
            " ELSE COALESCE(p.screened_out, false) END"
        ),
    )


def with_person_progress(invitations, *, survey):
    """Annotate an invitations QuerySet with the person's progress, for pages.

    person_started_at, person_finished_at (the person's response, whatever link
    started it) and, for an anonymous survey, person_finished_anonymously_at
    (another of the person's links that finished anonymously). A few rows at a
    time: each is an indexed lookup per row.
    """
    survey_id = survey.pk
    anonymous = _reads_other_links_anonymous_finishes(survey)
    key = RawSQL(person_key_sql(Invitation._meta.db_table), [])
    person = person_progress_rows(survey_id=survey_id).filter(
        person_key=OuterRef("person_key")
    )
    invitations = invitations.annotate(
        person_key=key,
        person_started_at=Subquery(person.values("started_at")[:1]),
        person_finished_at=Subquery(person.values("finished_at")[:1]),
        person_screened_out=Subquery(person.values("screened_out")[:1]),
    )
    if anonymous:
        # Matched on the address as invitation_one_per_address indexes it.
        others = (
            Invitation.objects.filter(
                distribution__survey_id=survey_id,
                finished_anonymously_at__isnull=False,
            )
            .alias(email_lower=_email_lower())
            .filter(
                Q(email_lower=_email_lower(OuterRef("email")), email__gt="")
                | Q(email="", contact_id=OuterRef("contact_id"))
            )
            .order_by()
            .values("distribution__survey_id")
            .annotate(first=Min("finished_anonymously_at"))
            .values("first")[:1]
        )
        invitations = invitations.annotate(
            person_finished_anonymously_at=Subquery(others)
        )
    return invitations


def _email_lower(field="email"):
    # The expression invitation_one_per_address indexes (after the distribution).
    return Collate(Lower(field), "C")


def person_finished_anonymously(*, survey, invitation: Invitation) -> bool:
    """Return whether the person finished the survey anonymously, by this link or
    (one response per contact) by any other of theirs."""
    if invitation.finished_anonymously_at is not None:
        return True
    if not _reads_other_links_anonymous_finishes(survey):
        return False
    others = Invitation.objects.filter(
        distribution__survey_id=survey.pk, finished_anonymously_at__isnull=False
    )
    if invitation.email:
        others = others.alias(email_lower=_email_lower()).filter(
            email_lower=invitation.email.lower()
        )
    elif invitation.contact_id is not None:
        others = others.filter(contact_id=invitation.contact_id)
    else:
        return False
    return others.exists()


def person_finishes_keep(invitation_ids) -> int:
    """Record on these invitations that their person finished, before the tie is cut.

    Erasure and close-and-strip remove the address an invitation finds its person's
    response by (and the response's person key): an invitation whose person
    finished through another link would read unfinished after. The finish is kept
    the way an anonymous one is (finished_anonymously_at). Return how many rows.
    """
    if not invitation_ids:
        return 0
    table = Invitation._meta.db_table
    recorded = 0
    survey_ids = (
        Invitation.objects.filter(id__in=invitation_ids)
        .values_list("distribution__survey_id", flat=True)
        .distinct()
    )
    for survey_id in survey_ids:
        person_sql, person_params = person_progress_rows(
            survey_id=survey_id
        ).query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                UPDATE {table} AS i SET finished_anonymously_at = p.finished_at
                FROM ({person_sql}) AS p
                WHERE i.id = ANY(%s) AND i.finished_anonymously_at IS NULL
                  AND p.finished_at IS NOT NULL
                  AND p.person_key = {person_key_sql("i")}
                  AND i.distribution_id IN (
                      SELECT id FROM {Distribution._meta.db_table}
                      WHERE survey_id = %s)
                """,
                [*person_params, list(invitation_ids), survey_id],
            )
            recorded += cursor.rowcount
    return recorded
