"""Links one app puts on another app's pages, without either naming the other's URLs.

The app that owns a page keeps a NavRegistry (surveys: the survey's tab bar and its
Options actions; directories: a contact's actions). Another app registers a NavEntry
in its AppConfig.ready(), with a url(obj) that reverses its own URL names; the page
renders the NavLinks of the object it shows.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class NavEntry:
    """One link: `key` names it (a page's active tab); lower `order` comes first;
    `description` is shown beside an action; `danger` draws it as destructive."""

    key: str
    label: str
    url: Callable[[object], str]
    order: int = 100
    description: str = ""
    danger: bool = False


@dataclass(frozen=True)
class NavLink:
    """A NavEntry for one object, its URL reversed."""

    key: str
    label: str
    url: str
    description: str
    danger: bool


class NavRegistry:
    def __init__(self):
        self._entries: dict[str, NavEntry] = {}

    def register(self, entry: NavEntry) -> None:
        """Add entry to every page; registering a key again replaces it."""
        self._entries[entry.key] = entry

    def unregister(self, key: str) -> None:
        self._entries.pop(key, None)

    def links(self, obj) -> list[NavLink]:
        """Return the entries for one object, in order."""
        entries = sorted(self._entries.values(), key=lambda e: (e.order, e.label))
        return [
            NavLink(e.key, e.label, e.url(obj), e.description, e.danger)
            for e in entries
        ]
