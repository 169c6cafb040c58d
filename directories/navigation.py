"""Links into directories' pages, and the actions other apps add to a contact's page.

Directories owns the contact page. Another app adds an action (Export this person's
data, Erase this person everywhere) with register_contact_action() in its
AppConfig.ready(), with a url(contact) that reverses that app's own URL names; it
links back here with contact_page_url / contact_list_page_url, so neither app names
the other's URLs (the same arrangement as surveys.navigation's tabs).
"""

from django.urls import reverse

from core.navigation import NavEntry, NavLink, NavRegistry

_ACTIONS = NavRegistry()


def register_contact_action(action: NavEntry) -> None:
    """Add action to every contact's page (`danger` draws it as destructive)."""
    _ACTIONS.register(action)


def contact_actions(contact) -> list[NavLink]:
    """Return the contact page's registered actions, in order."""
    return _ACTIONS.links(contact)


def contact_page_url(contact) -> str:
    return reverse(
        "directories:contact_edit",
        kwargs={"pk": contact.contact_list_id, "contact_pk": contact.pk},
    )


def contact_list_page_url(contact_list) -> str:
    return reverse("directories:list_detail", kwargs={"pk": contact_list.pk})
