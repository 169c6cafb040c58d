"""The shipped catalogues of respondent pages: complete, compiled, and fed only
by respondent_ui (docs/architecture.md, Languages).

These need GNU gettext's tools (xgettext, msgmerge, msgfmt: Debian's `gettext`,
which .ci/run installs).
"""

import gettext
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.template.loader import get_template

import respondent_ui
from respondent_ui.language import SHIPPED

APP = Path(respondent_ui.__file__).resolve().parent
LOCALES = ["es", "fr", "de", "zh_Hans", "ar"]
# Every template a respondent sees.
RESPONDENT_TEMPLATES = [
    "surveys/respond/base.html",
    "surveys/respond/page.html",
    "surveys/respond/message.html",
    "surveys/respond/invalid_link.html",
    "distributions/public_base.html",
    "distributions/public_opt_out.html",
    "distributions/public_unsubscribed.html",
]
_TRANSLATE_TAG = re.compile(r"\{%\s*(translate|trans|blocktranslate|blocktrans)\b")


@pytest.fixture(autouse=True)
def _gettext_tools():
    missing = [t for t in ("xgettext", "msgmerge", "msgfmt") if not shutil.which(t)]
    if missing and os.environ.get("CI"):
        pytest.fail(f"GNU gettext is missing ({', '.join(missing)}): see .ci/run")
    if missing:
        pytest.skip(f"GNU gettext is not installed here ({', '.join(missing)})")


def _statistics(po: Path) -> str:
    done = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", os.devnull, str(po)],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stderr.strip().splitlines()[-1]


def _catalog(mo: Path) -> dict:
    with mo.open("rb") as handle:
        return dict(gettext.GNUTranslations(handle)._catalog)


def _compiled(po: Path, out: Path) -> dict:
    subprocess.run(["msgfmt", "-o", str(out), str(po)], check=True)
    return _catalog(out)


def test_makemessages_leaves_nothing_untranslated(tmp_path, monkeypatch):
    copy = tmp_path / "respondent_ui"
    shutil.copytree(APP, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=LOCALES, no_location=True, verbosity=0)
    for locale in LOCALES:
        fresh = copy / "locale" / locale / "LC_MESSAGES" / "django.po"
        shipped = APP / "locale" / locale / "LC_MESSAGES" / "django.po"
        stats = _statistics(fresh)
        assert re.fullmatch(r"\d+ translated messages\.", stats), (locale, stats)
        # And the shipped file already has every message makemessages finds.
        fresh_ids = set(_compiled(fresh, tmp_path / f"{locale}-fresh.mo"))
        shipped_ids = set(_compiled(shipped, tmp_path / f"{locale}-shipped.mo"))
        assert fresh_ids == shipped_ids, locale


def test_the_compiled_catalogues_match_their_po_files(tmp_path):
    for locale in LOCALES:
        folder = APP / "locale" / locale / "LC_MESSAGES"
        built = _compiled(folder / "django.po", tmp_path / f"{locale}.mo")
        assert _catalog(folder / "django.mo") == built, (
            f"{locale}: run msgfmt -o django.mo django.po in {folder}"
        )


def test_every_shipped_language_has_a_catalogue():
    from django.utils.translation import to_locale

    assert sorted(to_locale(tag) for tag in SHIPPED if tag != "en") == sorted(LOCALES)


def test_respondent_templates_live_in_respondent_ui():
    for name in RESPONDENT_TEMPLATES:
        origin = Path(get_template(name).origin.name).resolve()
        assert origin.is_relative_to(APP), name


def test_no_template_outside_respondent_ui_translates_respondent_pages():
    """A page extending a respondent base elsewhere would escape makemessages."""
    bases = ('"surveys/respond/base.html"', '"distributions/public_base.html"')
    for folder in settings.TEMPLATES[0]["DIRS"]:
        for path in Path(folder).rglob("*.html"):
            text = path.read_text()
            if any(base in text for base in bases):
                assert not _TRANSLATE_TAG.search(text), path
