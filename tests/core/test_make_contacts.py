"""`manage.py make_contacts`: the sample contact files tests and benchmarks import."""

import csv
import hashlib

from django.core.management import call_command


def make(tmp_path, name, *args) -> bytes:
    path = tmp_path / name
    call_command("make_contacts", *args[:1], str(path), *args[1:])
    return path.read_bytes()


def test_the_same_arguments_give_the_same_file(tmp_path):
    first = make(tmp_path, "a.csv", "1000", "--dirty")
    again = make(tmp_path, "b.csv", "1000", "--dirty")

    assert first == again
    # The very bytes tests were written against (line numbers of rejected rows).
    assert (
        hashlib.sha256(first).hexdigest()
        == "a96ce382504f1503b3f00161a572b01ffeee2574557a5891c19c30710e1e512a"
    )
    assert make(tmp_path, "c.csv", "1000") != first


def test_encoding_delimiter_and_extra_columns(tmp_path):
    data = make(
        tmp_path, "w.csv", "300", "--extra", "3", "--encoding", "cp1252",
        "--delimiter", ";",
    )  # fmt: skip

    assert (
        hashlib.sha256(data).hexdigest()
        == "222550ad496e692b06fe8ff69493acda42ad56d54175dc4720c0ea7aeee9e061"
    )
    rows = list(csv.reader(data.decode("cp1252").splitlines(), delimiter=";"))
    assert rows[0] == [
        "FirstName", "LastName", "Email", "ExternalDataReference", "Language",
        "Department", "Cohort", "Campus",
    ]  # fmt: skip
    assert len(rows) == 301
    assert rows[1][2] == "k0.quispe@example.edu"


def test_dirty_rows_are_wrong_in_every_way_spreadsheets_are(tmp_path):
    clean = make(tmp_path, "clean.csv", "3000").decode()
    dirty = make(tmp_path, "dirty.csv", "3000", "--dirty").decode()

    def kinds(text):
        rows = list(csv.reader(text.splitlines(keepends=True)))
        emails = {row[2] for row in rows[1:] if len(row) > 2}
        return {
            "empty line": any(row == [] for row in rows),
            "missing email": "" in emails,
            "malformed email": any(e.startswith("not-an-email-") for e in emails),
            "stray spaces": any(e != e.strip() for e in emails),
            "duplicate in another case": any(
                e != e.lower() and e.lower() in emails for e in emails
            ),
            "comma and line break": any("Jr.\nsecond line" in r[1] for r in rows[1:]),
            "formula": any(r and r[0].startswith("=") for r in rows[1:]),
        }

    assert all(kinds(dirty).values()), kinds(dirty)
    assert not any(kinds(clean).values()), kinds(clean)
    # Every contact is still written once; empty lines come on top.
    rows = list(csv.reader(dirty.splitlines(keepends=True)))
    assert len([row for row in rows[1:] if row]) == 3000
