"""Links into and out of the Message library that remember where the owner was.

A page that links to the library passes its own path as ?next=; the library's
pages pass it on, and show a link back ("← Back to Compose Email").
"""

from urllib.parse import urlsplit

from django import template
from django.urls import Resolver404, resolve, reverse

from core.next_url import safe_next, with_query

register = template.Library()

BACK_LABELS = {
    "email_compose": "Compose Email",
    "reminder_new": "Schedule Reminder",
    "thank_you_new": "Schedule Thank You",
    "emails": "Emails",
    "links": "Personal links",
}


@register.simple_tag(takes_context=True)
def library_url(context) -> str:
    """Return the Message library's URL, coming back to this page."""
    return with_query(
        reverse("distributions:messages"), next=context.request.get_full_path()
    )


@register.simple_tag(takes_context=True)
def library_link(context, name: str, *args, **query) -> str:
    """Return a library page's URL that keeps the way back (?next=)."""
    return with_query(
        reverse(name, args=args), **query, next=safe_next(context.request)
    )


@register.inclusion_tag("distributions/_library_back.html", takes_context=True)
def library_back(context) -> dict:
    """Render "← Back to …" to the page the owner came to the library from."""
    target = safe_next(context.request)
    label = ""
    if target:
        try:
            match = resolve(urlsplit(target).path)
        except Resolver404:
            target = ""
        else:
            if match.namespace == "distributions":
                label = BACK_LABELS.get(match.url_name, "")
    return {"back_url": target, "back_label": label}
