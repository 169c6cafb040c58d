from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """Return mapping[key] or "" (embedded data in contact tables)."""
    if not isinstance(mapping, dict):
        return ""
    return mapping.get(key, "")
