"""Every existing user gets a personal team, with them as its Owner; each app's
next migration then moves that user's data into it (nothing is lost)."""

from django.db import migrations

from teams.personal_sql import PERSONAL_TEAMS



class Migration(migrations.Migration):
    dependencies = [
        ("teams", "0001_teams"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunSQL(PERSONAL_TEAMS, migrations.RunSQL.noop)]
