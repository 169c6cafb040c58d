"""Language versions of a message: one subject and body per language (issue 20).

An invitation, reminder or thank-you (and a message library entry) has its
default subject and body, in the survey's default language, and may carry more
versions, one per language, stored as a JSON object on the row:

    {"es": {"subject": "...", "body": "..."}, "ar": {...}}

Keys are tags as core.languages writes them (`es`, `zh-hans`). Each recipient
gets the version for their contact Language (core.languages.best_language:
`ES`, `es-MX` find `es`), else the default. The choice is made in Python from the
distribution and invitation the sending lane already holds: no query per email.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.languages import best_language, language_name, normalize_language
from distributions.services import piping


@dataclass(frozen=True)
class MessageVersion:
    language: str
    subject: str
    body: str


def survey_default_language(survey) -> str:
    """Return the language a survey's default message is written in.

    The survey's own default language (Survey.default_language, a core.languages
    tag) where the survey has one, else CANVASS_DEFAULT_LANGUAGE.
    """
    tag = normalize_language(getattr(survey, "default_language", "") or "")
    return tag or normalize_language(settings.CANVASS_DEFAULT_LANGUAGE) or "en"


def message_version(distribution, code: str | None) -> MessageVersion:
    """Return the version of a distribution's message for a contact Language code.

    The default (the distribution's subject and body) when the code is empty,
    unreadable or asks for no language the message has.
    """
    default = MessageVersion(
        distribution.language, distribution.subject, distribution.body
    )
    versions = distribution.versions
    if not versions or not code:
        return default
    chosen = best_language(code, [distribution.language, *versions])
    if chosen is None or chosen == distribution.language or chosen not in versions:
        return default
    version = versions[chosen]
    return MessageVersion(chosen, version["subject"], version["body"])


def version_label(tag: str) -> str:
    """`Español (es)`: the language's own name (core.languages) and its tag."""
    return f"{language_name(tag)} ({tag})"


def versions_clean(
    entries, *, default_language: str | None
) -> tuple[dict[str, dict[str, str]], list[tuple[int, str, str]]]:
    """Read (language, subject, body) entries into the stored versions.

    Return (versions, problems); a problem is (entry index, field, message):
    a language core.languages cannot read, one given twice, or the default
    message's own language. Empty entries are skipped.
    """
    versions, problems = {}, []
    for index, (code, subject, body) in enumerate(entries):
        if not (code or "").strip() and not subject and not body:
            continue
        tag = normalize_language(code)
        if tag is None:
            problems.append(
                (index, "language", _("Enter a language code such as ES or es-MX."))
            )
            continue
        if tag == default_language:
            problems.append(
                (
                    index,
                    "language",
                    _(
                        "%(language)s is the default message's language: edit the "
                        "default subject and message instead."
                    )
                    % {"language": version_label(tag)},
                )
            )
            continue
        if tag in versions:
            problems.append(
                (
                    index,
                    "language",
                    _("%(language)s has two versions: keep one.")
                    % {"language": version_label(tag)},
                )
            )
            continue
        versions[tag] = {"subject": subject or "", "body": body or ""}
    return versions, problems


def versions_errors(
    versions: dict, *, embedded_fields, require_survey_link: bool = True
) -> list[str]:
    """Return what is wrong with any version, each prefixed with its language.

    The same checks as the default message (piping.message_errors); None for
    embedded_fields accepts any ${e://Field/...} (library messages).
    """
    errors = []
    for tag, version in versions.items():
        subject, body = version.get("subject", ""), version.get("body", "")
        fields = embedded_fields
        if fields is None:
            fields = piping.embedded_field_names(subject + "\n" + body)
        if not subject.strip():
            errors.append(f"{version_label(tag)}: " + _("Enter a subject."))
        if not body.strip():
            errors.append(f"{version_label(tag)}: " + _("Enter a message."))
        errors.extend(
            f"{version_label(tag)}: {error}"
            for error in piping.message_errors(
                subject=subject,
                body=body,
                embedded_fields=list(fields),
                require_survey_link=require_survey_link,
            )
        )
    return errors


def versions_validated(
    versions: dict | None,
    *,
    default_language: str | None,
    embedded_fields,
    require_survey_link: bool = True,
) -> dict[str, dict[str, str]]:
    """Return the versions as stored, or raise ValidationError: the services' check.

    Keys are read by core.languages; `default_language` None (a library message)
    allows any language.
    """
    entries = [
        (tag, (version or {}).get("subject", ""), (version or {}).get("body", ""))
        for tag, version in (versions or {}).items()
    ]
    cleaned, problems = versions_clean(entries, default_language=default_language)
    errors = [
        f"{entries[index][0]!r}: {message}" for index, _field, message in problems
    ]
    errors += versions_errors(
        cleaned,
        embedded_fields=embedded_fields,
        require_survey_link=require_survey_link,
    )
    if errors:
        raise ValidationError(errors)
    return cleaned
