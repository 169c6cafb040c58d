"""Links into directories' pages, and the actions other apps add to a contact's page.

Directories owns the contact page. Another app adds an action (Export this person's
data, Erase this person everywhere) with register_contact_action() in its
AppConfig.ready(), with a url(contact) that reverses that app's own URL names; it
links back here with contact_page_url / contact_list_page_url, so neither app names
the other's URLs (the same arrangement as surveys.navigation's tabs).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class ContactAction:
    """One action: lower `order` comes first; `danger` draws it as destructive."""

    key: str
    label: str
    url: Callable[[object], str]
    order: int = 100
    danger: bool = False


@dataclass(frozen=True)
class ContactActionLink:
    key: str
    label: str
    url: str
    danger: bool


_ACTIONS: dict[str, ContactAction] = {}


def register_contact_action(action: ContactAction) -> None:
    """Add action to every contact's page; registering a key again replaces it."""
    _ACTIONS[action.key] = action


def contact_actions(contact) -> list[ContactActionLink]:
    """Return the contact page's registered actions, in order."""
    actions = sorted(_ACTIONS.values(), key=lambda action: (action.order, action.label))
    return [
        ContactActionLink(action.key, action.label, action.url(contact), action.danger)
        for action in actions
    ]


def contact_page_url(contact) -> str:
    return reverse(
        "directories:contact_edit",
        kwargs={"pk": contact.contact_list_id, "contact_pk": contact.pk},
    )


def contact_list_page_url(contact_list) -> str:
    return reverse("directories:list_detail", kwargs={"pk": contact_list.pk})
