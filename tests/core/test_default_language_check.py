"""CANVASS_DEFAULT_LANGUAGE must read as a language (core.checks)."""

from django.core.checks import run_checks


def test_an_unreadable_default_language_is_a_system_check_error(settings):
    settings.CANVASS_DEFAULT_LANGUAGE = "english"
    assert [m.id for m in run_checks() if m.id == "canvass.E007"] == ["canvass.E007"]
    settings.CANVASS_DEFAULT_LANGUAGE = "ES"
    assert not [m for m in run_checks() if m.id == "canvass.E007"]
