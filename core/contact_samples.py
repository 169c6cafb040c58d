"""Sample contact files of any size, for tests, benchmarks and trying imports.

`manage.py make_contacts` writes one. The output depends only on the arguments, so a
test can name the exact line a dirty row lands on.
"""

import csv
import random
import unicodedata
from pathlib import Path

FIRST_NAMES = [
    "Ana", "Bo", "Chidi", "Dara", "Émile", "Fatima", "Grace", "Hiro", "Inès", "Jonas",
    "Kofi", "Lena", "Miguel", "Nadia", "Oluwaseun", "Priya", "Quinn", "Rosa", "Søren",
    "Tran",
]  # fmt: skip
LAST_NAMES = [
    "Abara", "Berg", "Castillo", "Dubois", "Eriksen", "Fujita", "García", "Hughes",
    "Ivanova", "Jensen", "Kowalski", "López", "Müller", "Nakamura", "O'Brien", "Patel",
    "Quispe", "Rossi", "Schmidt", "Tanaka",
]  # fmt: skip
EXTRA_COLUMNS = [
    "Department", "Cohort", "Campus", "Role", "Year", "Advisor", "Program", "Section",
]  # fmt: skip
HEADER = ["FirstName", "LastName", "Email", "ExternalDataReference", "Language"]
LANGUAGES = ["EN", "ES", "FR", "DE"]
# About one row in this many is wrong in one of the ways of `_spoil`.
DIRTY_RATE = 0.02


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded if c.isalnum())


def _spoil(row: list[str], kind: int, *, index: int, previous_email: str) -> bool:
    """Make `row` wrong as real spreadsheets are, or return True: an empty line goes
    before the row, which stays good."""
    if kind == 0 and previous_email:
        row[2] = previous_email.upper()  # the row above's email, in another case
    elif kind == 1:
        row[2] = ""
    elif kind == 2:
        row[2] = f"not-an-email-{index}"
    elif kind == 3:
        row[0], row[2] = f"  {row[0]} ", f" {row[2]}  "
    elif kind == 4:
        row[1] = f"{row[1]}, Jr.\nsecond line"  # a quoted comma and line break
    elif kind == 5:
        row[0] = '=HYPERLINK("http://example.invalid","x")'
    else:
        # Kind 6, or kind 0 on the first row (no row above to repeat).
        return True
    return False


def write_contacts(
    path: Path | str,
    rows: int,
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
    extra: int = 2,
    dirty: bool = False,
) -> Path:
    """Write a CSV of `rows` contacts to `path` and return the path.

    Columns: FirstName, LastName, Email, ExternalDataReference, Language and `extra`
    embedded-data columns (Department, Cohort, ...). With `dirty`, about 1 row in 50
    is wrong: a duplicate email in another case, a missing or malformed email, stray
    spaces, a quoted comma or line break in a name, a value starting with "=", an
    empty line.
    """
    rng = random.Random(rows * 7919 + extra)
    extra_columns = EXTRA_COLUMNS[:extra]
    path = Path(path)
    with path.open("w", newline="", encoding=encoding) as handle:
        out = csv.writer(handle, delimiter=delimiter)
        out.writerow([*HEADER, *extra_columns])
        previous_email = ""
        for index in range(rows):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            email = f"{_ascii_word(first)[0]}{index}.{_ascii_word(last)}@example.edu"
            email = email.lower()
            row = [
                first,
                last,
                email,
                f"U{index:08d}",
                rng.choice(LANGUAGES),
                *[f"{name[:3]}-{rng.randint(1, 40)}" for name in extra_columns],
            ]
            if dirty and rng.random() < DIRTY_RATE:
                kind = rng.randrange(7)
                if _spoil(row, kind, index=index, previous_email=previous_email):
                    out.writerow([])
            out.writerow(row)
            previous_email = email
    return path
