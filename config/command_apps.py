"""The apps a one-job command starts with: only those its work touches.

Before any command runs, Django imports every installed app's models and runs every
`ready()`: for Canvass that is allauth with its SAML libraries, REST framework, the
admin, anymail and the survey and sending apps, about 0.2 s of a process that imports
10,000 contacts in 0.2 s more (`make bench BENCH=import`). A mail-merge pipeline calls
`manage.py import_contacts` once per file, so that start-up is most of what it waits
for. The commands listed here start with the few apps their work touches.

Why this is safe:
- the listed apps hold every model the command reads or writes, and every model
  those point at (tests/core/test_command_apps.py holds the list to that);
- nothing the command does deletes a row, so no cascade into an app left out is
  missed (and PostgreSQL's foreign keys would refuse one);
- only `manage.py <command>` starts lean: servers, workers, tests, call_command in a
  running process and every other command get every app.

manage.py names the command (`command_started`) before the settings load; settings.py
passes its full list through `installed_apps`.
"""

LEAN_COMMANDS = {
    "import_contacts": (
        "django.contrib.contenttypes",
        "django.contrib.auth",
        "core",
        "teams",
        "directories",
    ),
}

_command: str | None = None


def command_started(argv: list[str]) -> None:
    """manage.py's first step: remember which command this process runs."""
    global _command
    _command = argv[1] if len(argv) > 1 else None


def installed_apps(every_app: list[str]) -> list[str]:
    """The apps this process installs: every app, or a lean command's own (same order)."""
    wanted = LEAN_COMMANDS.get(_command or "")
    if wanted is None:
        return every_app
    return [app for app in every_app if app in wanted]
