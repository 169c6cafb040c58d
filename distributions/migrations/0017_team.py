"""Each owner's rows move into their personal team (teams 0002), then the team
is required."""

from django.db import migrations

from teams.personal_sql import team_column_steps


class Migration(migrations.Migration):
    dependencies = [
        ("distributions", "0016_contact_frequency_rule"),
        ("teams", "0002_personal_teams"),
    ]

    operations = team_column_steps(
        {
            "contactfrequencyrule": "distributions_contactfrequencyrule",
            "distribution": "distributions_distribution",
            "message": "distributions_message",
        }
    )
