"""Every template, read as text: mistakes Django would render as page text."""

from pathlib import Path

from django.conf import settings

TEMPLATE_DIRS = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]


def test_no_template_comment_spans_lines():
    # {# ... #} ends at the end of its line; a longer one shows on the page.
    # Multi-line comments take {% comment %} ... {% endcomment %}.
    unclosed = [
        f"{path}:{number}"
        for folder in TEMPLATE_DIRS
        for path in sorted(folder.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if line.count("{#") > line.count("#}")
    ]
    assert TEMPLATE_DIRS and not unclosed, unclosed
