from django import template
from django.utils import translation

from core.languages import is_right_to_left

register = template.Library()


@register.simple_tag
def page_language() -> dict:
    """The language the page is rendered in: its tag for lang="" and its direction."""
    code = translation.get_language() or "en"
    return {"code": code, "rtl": is_right_to_left(code)}
