"""Each owner's rows move into their personal team (teams 0002), then the team
is required."""

from django.db import migrations

from teams.personal_sql import team_column_steps


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0007_response_export_filters"),
        ("teams", "0002_personal_teams"),
    ]

    operations = team_column_steps(
        {
            "responseexport": "surveys_responseexport",
            "survey": "surveys_survey",
        }
    )
