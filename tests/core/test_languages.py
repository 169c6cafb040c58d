import pytest

from core.languages import (
    best_language,
    is_right_to_left,
    language_candidates,
    normalize_language,
)


@pytest.mark.parametrize(
    ("code", "tag"),
    [
        ("EN", "en"),
        ("es", "es"),
        ("es-MX", "es-mx"),
        ("ES_mx", "es-mx"),
        ("ZH-S", "zh-hans"),
        ("zh-Hans", "zh-hans"),
        ("zh-CN", "zh-hans"),
        ("ZH-T", "zh-hant"),
        ("AR", "ar"),
        ("PT-BR", "pt-br"),
        ("  de ", "de"),
        ("", None),
        ("English", None),
        ("e", None),
        ("12", None),
    ],
)
def test_codes_are_read_as_contacts_and_browsers_give_them(code, tag):
    assert normalize_language(code) == tag


def test_a_regional_code_falls_back_to_its_language():
    assert language_candidates("es-MX") == ["es-mx", "es"]
    assert best_language("es-MX", ["en", "es"]) == "es"
    assert best_language("ZH-S", ["en", "zh-hans"]) == "zh-hans"
    assert best_language("FR", ["en", "es"]) is None
    assert best_language("nonsense words", ["en"]) is None


def test_right_to_left_languages():
    assert is_right_to_left("ar")
    assert is_right_to_left("he")
    assert not is_right_to_left("es")
    assert not is_right_to_left(None)


def test_accept_language_is_read_most_wanted_first():
    from core.languages import accept_language_tags

    assert accept_language_tags("fr;q=0.5, es-MX, es;q=0.9, *;q=0.1, de;q=0") == [
        "es-mx",
        "es",
        "fr",
    ]
    assert accept_language_tags("zh-CN,zh;q=0.9") == ["zh-hans", "zh"]
    assert accept_language_tags("en;q=abc, ar") == ["ar"]
    assert accept_language_tags(None) == []


def test_a_language_is_named_in_itself():
    from core.languages import language_name

    assert language_name("es") == "Español"
    assert language_name("zh-hans") == "简体中文"
    assert language_name("ar") == "العربيّة"
    assert language_name("es-mx") == "Español de Mexico"
    assert language_name("tlh") == "TLH"
