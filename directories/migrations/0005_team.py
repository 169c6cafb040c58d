"""Each owner's rows move into their personal team (teams 0002), then the team
is required."""

from django.db import migrations

from teams.personal_sql import team_column_steps


class Migration(migrations.Migration):
    dependencies = [
        ("directories", "0004_suppression_email_hash"),
        ("teams", "0002_personal_teams"),
    ]

    operations = team_column_steps(
        {
            "contactimport": "directories_contactimport",
            "contactlist": "directories_contactlist",
            "suppression": "directories_suppression",
        }
    )
