"""Language codes: one home for reading the codes contacts, browsers and owners give.

A contact list's Language column holds Qualtrics codes (`EN`, `ES`, `ZH-S`, `PT-BR`)
or BCP 47 tags (`es`, `es-MX`, `zh-Hans`); a browser sends `Accept-Language`. Canvass
keeps every language as a lower-case BCP 47 tag in Django's spelling (`es`,
`es-mx`, `zh-hans`), the form `django.utils.translation` activates.
"""

import re

# Qualtrics' codes whose BCP 47 tag is not simply the code in lower case.
_QUALTRICS = {
    "ZH-S": "zh-hans",
    "ZH-T": "zh-hant",
    "CH": "zh-hans",  # Qualtrics' old code for Simplified Chinese
    "TW": "zh-hant",
    "HE": "he",
    "IW": "he",
    "NO": "nb",
    "TGL": "tl",
    "SR-ME": "sr-me",
}
# Tags a reader may write for Chinese without a script.
_CHINESE = {
    "zh-cn": "zh-hans",
    "zh-sg": "zh-hans",
    "zh-tw": "zh-hant",
    "zh-hk": "zh-hant",
}
_SHAPE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")
RIGHT_TO_LEFT = frozenset({"ar", "he", "fa", "ur", "yi", "ps", "sd", "ug", "dv"})


def normalize_language(code: str | None) -> str | None:
    """Return the tag for a Qualtrics code or BCP 47 tag, or None if it is not one.

    `ES` and `es` give `es`; `es_MX` and `ES-MX` give `es-mx`; `ZH-S` gives `zh-hans`.
    """
    text = (code or "").strip().replace("_", "-")
    if not text:
        return None
    upper = text.upper()
    if upper in _QUALTRICS:
        return _QUALTRICS[upper]
    tag = text.lower()
    tag = _CHINESE.get(tag, tag)
    return tag if _SHAPE.match(tag) else None


def language_candidates(code: str | None) -> list[str]:
    """The tags to try for a code, most particular first: `es-mx`, then `es`."""
    tag = normalize_language(code)
    if tag is None:
        return []
    parts = tag.split("-")
    return ["-".join(parts[:n]) for n in range(len(parts), 0, -1)]


def best_language(code: str | None, available) -> str | None:
    """The first of `available` that the code asks for (`es-MX` finds `es`), or None."""
    offered = {normalize_language(tag): tag for tag in available}
    for candidate in language_candidates(code):
        if candidate in offered:
            return offered[candidate]
    return None


def is_right_to_left(tag: str | None) -> bool:
    return bool(tag) and tag.split("-")[0] in RIGHT_TO_LEFT


def accept_language_tags(header: str | None) -> list[str]:
    """The tags of an Accept-Language header, most wanted first (q=0 dropped).

    `es-MX,es;q=0.9,en;q=0.5` gives ["es-mx", "es", "en"]; `*` and malformed
    entries are skipped.
    """
    weighted = []
    for position, part in enumerate((header or "").split(",")[:20]):
        code, _, params = part.strip().partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                continue
        tag = normalize_language(code)
        if tag is not None and quality > 0:
            weighted.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(weighted)]


def language_name(tag: str) -> str:
    """The language's own name for itself (`es` → "Español"), or the tag in capitals."""
    from django.conf.locale import LANG_INFO  # noqa: PLC0415  settings-free data

    for candidate in language_candidates(tag):
        info = LANG_INFO.get(candidate)
        if info and "fallback" in info:
            info = LANG_INFO.get(info["fallback"][0])
        if info:
            return info["name_local"][:1].upper() + info["name_local"][1:]
    return tag.upper()


def language_known(code: str | None) -> bool:
    """Whether a code reads as a language Django knows (its own list of ~100,
    LANG_INFO, or the LANGUAGES setting): `ES`, `es-MX`, `ZH-S`, not `xx` or `Klingon!`."""
    from django.conf import settings
    from django.conf.locale import LANG_INFO

    tag = normalize_language(code)
    if tag is None:
        return False
    base = tag.split("-")[0]
    known = set(LANG_INFO) | {normalize_language(c) for c, _name in settings.LANGUAGES}
    return tag in known or base in known or any(k.startswith(base + "-") for k in known)
