"""Each owner's rows move into their personal team (teams 0002), then the team
is required."""

from django.db import migrations

from teams.personal_sql import team_column_steps


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0003_idempotent_requests"),
        ("teams", "0002_personal_teams"),
    ]

    operations = team_column_steps(
        {
            "apikey": "api_apikey",
            "webhookendpoint": "api_webhookendpoint",
        }
    )
