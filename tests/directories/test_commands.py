"""import_contacts and export_contacts, run as staff would run them."""

import pytest
from django.core.management import call_command

from core.contact_samples import write_contacts
from directories.models import Contact, ContactList
from tests.directories.conftest import csv_bytes
from tests.factories import ContactFactory, ContactListFactory


def run(*args):
    """Run import_contacts; return (exit code, stdout lines)."""
    import io

    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("import_contacts", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        code = exc.code
    except Exception as exc:  # CommandError: the command line prints it and exits 1
        from django.core.management import CommandError

        if not isinstance(exc, CommandError):
            raise
        code, err = 1, io.StringIO(str(exc))
    return code, out.getvalue().splitlines(), err.getvalue()


def test_import_creates_the_list_and_prints_the_summary(owner, tmp_path):
    path = write_contacts(tmp_path / "contacts.csv", 500, extra=3)
    code, lines, _ = run("--owner", owner.email, "--list", "Alumni", str(path))
    assert code == 0
    assert lines == ["added 500, updated 0, duplicates 0, rejected 0"]
    contact_list = ContactList.objects.get(owner=owner, name="Alumni")
    assert contact_list.embedded_fields == ["Department", "Cohort", "Campus"]
    assert contact_list.contacts.count() == 500
    first = contact_list.contacts.order_by("id").first()
    first_row = path.read_text(encoding="utf-8").splitlines()[1].split(",")
    assert (first.first_name, first.email) == (first_row[0], first_row[2])
    assert set(first.embedded_data) == {"Department", "Cohort", "Campus"}

    # Again into the same list: everything is a duplicate, nothing doubles.
    code, lines, _ = run("--owner", owner.email, "--list", "alumni", str(path))
    assert (code, lines) == (0, ["added 0, updated 0, duplicates 500, rejected 0"])
    code, lines, _ = run(
        "--owner", owner.email, "--list", "Alumni", "--update-existing", str(path)
    )
    assert (code, lines) == (0, ["added 0, updated 500, duplicates 0, rejected 0"])
    assert contact_list.contacts.count() == 500


def test_rejected_rows_exit_1_and_import_nothing_without_skip_invalid(owner, tmp_path):
    path = write_contacts(tmp_path / "contacts.csv", 1000, dirty=True)
    code, lines, err = run("--owner", owner.email, "--list", "Dirty", str(path))
    assert code == 1
    assert lines[0] == "added 0, updated 0, duplicates 0, rejected 8"
    assert (
        lines[1]
        == "line 62, column Email: 'not-an-email-60' is not a valid email address."
    )
    assert "line 173, column Email: Email is missing." in lines
    assert "nothing was imported" in err
    assert not Contact.objects.filter(contact_list__name="Dirty").exists()

    code, lines, _ = run(
        "--owner", owner.email, "--list", "Dirty", "--skip-invalid", str(path)
    )
    assert code == 0
    assert lines[0] == "added 990, updated 0, duplicates 2, rejected 8"
    assert Contact.objects.filter(contact_list__name="Dirty").count() == 990
    # Stray spaces around an address are trimmed; names are kept as typed.
    assert Contact.objects.filter(first_name__startswith="  ").exists()
    assert not Contact.objects.filter(email__startswith=" ").exists()


def test_a_file_that_cannot_be_imported_exits_1(owner, tmp_path):
    path = tmp_path / "names.csv"
    path.write_bytes(csv_bytes([["Name"], ["Ana"]]))
    code, lines, err = run("--owner", owner.email, "--list", "X", str(path))
    assert code == 1
    assert "The file has no Email column." in err

    path.write_bytes(csv_bytes([["Email"], ["nope"]]))
    code, lines, _ = run(
        "--owner", owner.email, "--list", "X", "--skip-invalid", str(path)
    )
    assert code == 1
    assert lines[0] == "added 0, updated 0, duplicates 0, rejected 1"


def test_encoding_option_overrides_detection(owner, tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(
        csv_bytes([["Email", "FirstName"], ["a@example.edu", "Zoë"]], encoding="cp1252")
    )
    code, _, _ = run(
        "--owner", owner.email, "--list", "L", "--encoding", "latin-1", str(path)
    )
    assert code == 0
    assert Contact.objects.get().first_name == "Zoë"


def test_export_contacts_writes_template_columns_and_extra_fields(owner, tmp_path):
    contact_list = ContactListFactory(
        owner=owner, name="Export me", embedded_fields=["Team"]
    )
    ContactFactory(
        contact_list=contact_list,
        first_name="=cmd|' /C calc'!A0",
        last_name="García",
        email="g@example.edu",
        external_reference="U1",
        language="ES",
        embedded_data={"Team": "+Blue"},
    )
    out = tmp_path / "out.csv"
    call_command(
        "export_contacts",
        "--owner",
        owner.email,
        "--list",
        "export me",
        "--output",
        str(out),
    )
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig").splitlines() == [
        "FirstName,LastName,Email,ExternalDataReference,Language,Team",
        "'=cmd|' /C calc'!A0,García,g@example.edu,U1,ES,'+Blue",
    ]


@pytest.mark.parametrize("option", ["--owner", "--list"])
def test_unknown_owner_or_list_is_an_error(owner, tmp_path, option):
    from django.core.management import CommandError

    args = {
        "--owner": owner.email,
        "--list": "Nope",
        "--output": str(tmp_path / "x.csv"),
    }
    if option == "--owner":
        args["--owner"] = "nobody@example.org"
    with pytest.raises(CommandError):
        call_command(
            "export_contacts", *[item for pair in args.items() for item in pair]
        )


def test_an_encoding_that_cannot_read_the_file_is_refused(owner, tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(
        csv_bytes([["Email", "FirstName"], ["a@example.edu", "Zoë"]], encoding="cp1252")
    )
    code, _, err = run(
        "--owner", owner.email, "--list", "L", "--encoding", "utf-8", str(path)
    )
    assert code == 1
    assert "The file cannot be read as utf-8: choose another encoding." in err
    assert not Contact.objects.exists()


def test_a_missing_file_creates_no_list(owner, tmp_path):
    code, _, err = run(
        "--owner", owner.email, "--list", "Ghost", str(tmp_path / "none.csv")
    )
    assert code == 1
    assert "No such file" in err
    assert not ContactList.objects.filter(name="Ghost").exists()


def test_a_byte_the_chosen_encoding_cannot_read_late_in_the_file(owner, tmp_path):
    rows = [["Email", "FirstName"]] + [
        [f"p{i}@example.edu", "Ana"] for i in range(5000)
    ]
    rows.append(["last@example.edu", "Zoë"])
    path = tmp_path / "late.csv"
    path.write_bytes(csv_bytes(rows, encoding="cp1252"))
    ContactFactory(
        contact_list=ContactListFactory(owner=owner, name="Late")
    )  # not empty
    for args in (["--list", "Late"], ["--list", "Fresh"]):
        code, lines, err = run(
            "--owner", owner.email, *args, "--encoding", "utf-8", str(path)
        )
        assert code == 1
        assert "cannot be read as utf-8 after line" in err
    assert Contact.objects.count() == 1
