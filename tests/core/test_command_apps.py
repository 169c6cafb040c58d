"""`manage.py import_contacts` starts with only the apps it touches (config.command_apps)."""

import os
import subprocess
import sys
from pathlib import Path

from django.apps import apps

from config.command_apps import LEAN_COMMANDS, command_started, installed_apps
from core.contact_samples import write_contacts
from core.models import AuditEntry
from directories.models import Contact, ContactList
from tests import harness
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]


def test_every_model_a_lean_command_touches_points_only_into_its_apps():
    """A relation into an app left out would fail only when the command follows it."""
    for command, names in LEAN_COMMANDS.items():
        lean = {apps.get_app_config(name.rsplit(".", 1)[-1]).name for name in names}
        for name in names:
            for model in apps.get_app_config(name.rsplit(".", 1)[-1]).get_models():
                for field in model._meta.get_fields():
                    if field.is_relation and field.concrete and field.related_model:
                        target = field.related_model._meta.app_config.name
                        assert target in lean, (
                            f"{command}: {model.__name__}.{field.name} points into "
                            f"{target}, which it does not start with"
                        )


def test_every_lean_command_installs_core():
    # manage.py pauses the garbage collector until core's ready() turns it on again
    # (core.startup): a command without core would run its whole job uncollected.
    for command, names in LEAN_COMMANDS.items():
        assert "core" in names, command


def test_only_a_listed_command_starts_lean():
    every = ["django.contrib.admin", "django.contrib.auth", "core", "surveys"]
    try:
        command_started(["manage.py", "runserver"])
        assert installed_apps(every) == every
        command_started(["manage.py"])
        assert installed_apps(every) == every
        command_started(["manage.py", "import_contacts", "file.csv"])
        assert installed_apps(every) == ["django.contrib.auth", "core"]
    finally:
        command_started([])


def run_import(*options: str) -> subprocess.CompletedProcess:
    """`manage.py import_contacts` as its own process on the test database; it
    prints the apps it started with."""
    code = (
        "import runpy, sys; sys.argv = ['manage.py', 'import_contacts', "
        f"*{list(options)!r}]\n"
        "from django.apps import apps\n"
        "try:\n    runpy.run_path('manage.py', run_name='__main__')\n"
        "finally:\n    print('APPS', sorted(a.name for a in apps.get_app_configs()))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": harness.test_database_url()},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_lean_command_imports_as_the_full_one_does(transactional_db, tmp_path):
    """The real command line, lean: a new list (COPY straight in), then the same
    file again into it with --update-existing (the merge through a temp table)."""
    user = UserFactory(email="staff@example.edu")
    path = tmp_path / "contacts.csv"
    write_contacts(path, 50)
    acting = ("--owner", "staff@example.edu", "--list", "Panel")
    first = run_import(str(path), *acting)
    assert first.returncode == 0, first.stderr
    assert "added 50, updated 0, duplicates 0, rejected 0" in first.stdout
    assert f"APPS {sorted(LEAN_COMMANDS['import_contacts'])}" in first.stdout
    again = run_import(str(path), *acting, "--update-existing")
    assert again.returncode == 0, again.stderr
    assert "added 0, updated 50, duplicates 0, rejected 0" in again.stdout
    contact_list = ContactList.objects.get(owner=user, name="Panel")
    assert Contact.objects.filter(contact_list=contact_list).count() == 50
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.CONTACTS_IMPORTED)
    assert [entry.actor_id for entry in entries] == [user.pk, user.pk]
