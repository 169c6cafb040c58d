"""Owner pages' words go through gettext (issue 20): no owner template shows text
outside {% translate %} / {% blocktranslate %}. Respondent pages and emails have
their own rules (respondent_ui, docs/architecture.md)."""

import re
from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.TEMPLATES[0]["DIRS"][0])
NOT_OWNER_PAGES = re.compile(
    r"^(surveys/respond/|distributions/public_|emails/|api/swagger_ui|.*email)"
)
# Whole regions whose text is not page prose, or already translated.
REGIONS = re.compile(
    r"\{% comment %\}.*?\{% endcomment %\}|\{#.*?#\}"
    r"|\{% blocktranslate.*?\{% endblocktranslate %\}"
    r"|<(script|style|pre|code|template)\b.*?</\1>",
    re.S,
)
TAGS = re.compile(r"\{%.*?%\}|\{\{.*?\}\}|<[a-zA-Z/!](?:\{[{%].*?[}%]\}|[^>])*>", re.S)
# A name, not a word to translate.
ALLOWED = {"Canvass", "· Canvass"}


def untranslated(source: str) -> list[str]:
    text = TAGS.sub("\n", REGIONS.sub("\n", source))
    return [
        line.strip()
        for line in text.split("\n")
        if re.search(r"[A-Za-z]", line) and line.strip() not in ALLOWED
    ]


def test_owner_templates_have_no_text_outside_gettext():
    found = {
        str(path.relative_to(TEMPLATES)): words
        for path in sorted(TEMPLATES.rglob("*.html"))
        if not NOT_OWNER_PAGES.match(str(path.relative_to(TEMPLATES)))
        and (words := untranslated(path.read_text()))
    }
    assert not found, found


def test_the_check_finds_a_bare_word():
    assert untranslated("<p>Hello {{ name }}</p>") == ["Hello"]
    assert untranslated('<p>{% translate "Hello" %} {{ name }}</p>') == []
