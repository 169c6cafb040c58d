"""Which language a respondent page speaks, and switching to it.

The codes are read by core.languages only. A survey offers its default language and
the languages it is translated into; Canvass's own words exist in SHIPPED (a survey
language outside it shows Canvass's words in English).
"""

import contextlib

from django.utils import translation

from core.languages import (
    accept_language_tags,
    best_language,
    is_right_to_left,
    language_name,
)

# The languages of this app's catalogues (locale/), in Django's spelling.
SHIPPED = ("en", "es", "fr", "de", "zh-hans", "ar")
# The query parameter and form field naming a language (?lang=es), and the menu's
# submit button that switches to one.
LANG_PARAM = "lang"
SWITCH_PARAM = "switch_language"


def asked_languages(request, preferred=()) -> list[str]:
    """The codes to try, most binding first: ?lang= (or the form's field, which
    carries the language the page was shown in), then `preferred` (the response's
    language, the contact's Language column), then the browser's Accept-Language."""
    asked = [request.POST.get(LANG_PARAM) or request.GET.get(LANG_PARAM) or ""]
    asked += [code for code in preferred if code]
    return asked + accept_language_tags(request.headers.get("Accept-Language"))


def choose_language(candidates, *, offered, default: str) -> str:
    """The first candidate the offered languages have (`es-MX` finds `es`), else the
    default: an unknown or unoffered code never fails a page."""
    for code in candidates:
        found = best_language(code, offered)
        if found is not None:
            return found
    return default


def request_language(request, preferred=()) -> str:
    """The language of a page that shows no survey text (an unknown link, the
    opt-out pages): the first wish Canvass has words for, else English."""
    return choose_language(
        asked_languages(request, preferred), offered=SHIPPED, default="en"
    )


@contextlib.contextmanager
def speaking(language: str | None):
    """Render in `language`: Canvass's words from the catalogues, the page's lang
    and dir from it (templatetags.respondent)."""
    if not language:
        yield
        return
    with translation.override(language):
        yield


def language_menu(offered, current: str) -> list[dict]:
    """The page's language menu: one entry per offered language, in its own name."""
    if len(offered) < 2:
        return []
    return [
        {
            "code": tag,
            "name": language_name(tag),
            "current": tag == current,
            "dir": "rtl" if is_right_to_left(tag) else "ltr",
        }
        for tag in offered
    ]
