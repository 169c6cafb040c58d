"""RowValidator's quick path for the common row gives what the full checks give."""

import pytest

from directories.reader import EMBEDDED_MAX_LENGTH
from directories.rows import RowValidator

HEADER = ["FirstName", "LastName", "Email", "ExternalDataReference", "Language", "Dept"]
MAPPING = ["first_name", "last_name", "email", "external_reference", "language"]
MAPPING += ["embedded"]

ROWS = [
    ["Ana", "Lee", "ana@example.edu", "R1", "es", "Physics"],
    ["Ana", "Lee", "  ana@example.edu ", "", "", ""],
    ["Ana", "Lee", "", "R1", "es", "Physics"],
    ["Ana", "Lee", "not-an-address", "R1", "es", "Physics"],
    ["Ana", "Lee", "ana@localhost", "R1", "es", "Physics"],
    ["Ana", "Lee", "a" * 250 + "@example.edu", "R1", "es", "Physics"],
    ["A" * 33, "Lee", "ana@example.edu", "R1", "es", "Physics"],
    ["A" * 256, "Lee", "ana@example.edu", "R1", "es", "Physics"],
    ["Ana", "Lee", "ana@example.edu", "R1", "x" * 33, "Physics"],
    ["Ana", "Lee", "ana@example.edu", "R1", "es", "p" * EMBEDDED_MAX_LENGTH],
    ["Ana", "Lee", "ana@example.edu", "R1", "es", "p" * (EMBEDDED_MAX_LENGTH + 1)],
    ["Ana\t", "Lee", "ana@example.edu", "R1", "es", "line\r\nbreak"],
    ["Ana", "Lee", "ana@example.edu", "R1", "es"],
    ["Ana", "Lee", "ana@example.edu", "R1", "es", "Physics", "extra"],
    ["Ana", "Lee", "ana@example.edu", "R1", "es", "Physics", ""],
    ["Zoë", "Ñúñez", "zoe@exämple.edu", "R1", "fr", "Física"],
]


@pytest.mark.parametrize("cells", ROWS, ids=range(len(ROWS)))
@pytest.mark.parametrize(
    "mapping",
    [MAPPING, MAPPING[:3] + ["skip"] + MAPPING[4:], MAPPING[:5] + ["skip"]],
    ids=["all columns", "no reference", "no embedded"],
)
def test_the_quick_path_agrees_with_every_check(cells, mapping):
    validator = RowValidator(HEADER, mapping)
    assert validator.validate(7, list(cells)) == validator.validate_each(7, list(cells))


def test_the_common_row_takes_the_quick_path(monkeypatch):
    validator = RowValidator(HEADER, MAPPING)
    monkeypatch.setattr(validator, "validate_each", None)  # would fail if called
    row, errors = validator.validate(3, ROWS[0])
    assert errors == []
    email = "ana@example.edu"
    assert row == (3, email, email, "Ana", "Lee", "R1", "es", "Physics")
