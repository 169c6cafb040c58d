"""Text from outside (a contact file, a form) cleaned of control characters.

A contact's values end up inside emails. A bare CR there reaches the SMTP data, and
strict relays refuse such a message (issue 14); other control characters have no
business in a name either. Values are cleaned where they come in (import, Manual
input, Edit contact) and again where they go into a message (older rows, snapshots).
"""

import re

# C0 controls, DEL and C1 controls; tab and LF are dealt with by each function.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_BREAK = re.compile("\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def is_clean(value: str) -> bool:
    """True when value surely needs no cleaning (the fast path for millions of rows).

    str.isprintable() is False for every control character, and also for some
    characters that are fine (a tab, a no-break space, a right-to-left mark), which
    then go through the slower exact cleaning.
    """
    return value.isprintable()


def one_line(value: str) -> str:
    """Return value on one line: line breaks and tabs become spaces, controls go."""
    if is_clean(value):
        return value
    value = " ".join(value.splitlines()).replace("\t", " ")
    return _CONTROLS.sub("", value)


def multiline(value: str) -> str:
    """Return value with LF line breaks only (CR, CRLF, U+2028 become LF), tabs
    kept, other control characters removed."""
    if is_clean(value):
        return value
    return _CONTROLS.sub("", _LINE_BREAK.sub("\n", value))
