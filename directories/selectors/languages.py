"""A list's Language values that Canvass cannot use (issue 20).

A contact's Language picks their message version and survey language
(core.languages); a value that does not read as a language Django knows
(core.languages.language_known: `Klingon!`, `xx`, `english`) falls back to the
survey's default language. The list's page names these values so the owner can
fix them.
"""

from django.db.models import Count, QuerySet

from core.languages import language_known
from directories.models import Contact, ContactList


def contact_list_unknown_languages(*, contact_list: ContactList) -> list[dict]:
    """Return [{"code", "contacts"}] for the list's Language values that are not a
    known language, most contacts first. One GROUP BY over the list's contacts:
    a list holds a handful of distinct values, each judged once in Python."""
    values = (
        Contact.objects.filter(contact_list=contact_list)
        .exclude(language="")
        .values("language")
        .annotate(contacts=Count("id"))
        .order_by("-contacts", "language")
    )
    return [
        {"code": row["language"], "contacts": row["contacts"]}
        for row in values
        if not language_known(row["language"])
    ]


def contacts_with_language(contacts: QuerySet, *, code: str) -> QuerySet:
    """Narrow a list's contacts to those whose Language is exactly `code`."""
    return contacts.filter(language=code)
