"""Each entry names its owner's personal team (teams 0002)."""

from django.db import migrations

from teams.personal_sql import team_column_steps


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_worker_lease"),
        ("teams", "0002_personal_teams"),
    ]

    operations = team_column_steps(
        {
            "auditentry": "core_auditentry",
        },
        required=False,
    )
