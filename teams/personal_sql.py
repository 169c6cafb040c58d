"""The SQL that gives every user without one a personal team, with them as Owner.

Run by teams' migration 0002 and again by each app's migration that moves owners'
rows into their personal teams, so a user made between the two (a migration test
that goes back and forth) still gets one. Idempotent.
"""

PERSONAL_TEAMS = """
INSERT INTO teams_team (name, personal_for_id, created_at)
SELECT LEFT(u.username, 100), u.id, NOW()
FROM auth_user u
WHERE NOT EXISTS (SELECT 1 FROM teams_team t WHERE t.personal_for_id = u.id);

INSERT INTO teams_membership (team_id, user_id, role, created_at)
SELECT t.id, t.personal_for_id, 'owner', NOW()
FROM teams_team t
WHERE t.personal_for_id IS NOT NULL
  AND NOT EXISTS (
    SELECT 1 FROM teams_membership m
    WHERE m.team_id = t.id AND m.user_id = t.personal_for_id
  );
"""

# After an app's UPDATE gives its rows their team, and before the AlterField that
# makes the column NOT NULL: the UPDATE leaves deferred foreign-key checks pending
# (Django's foreign keys are DEFERRABLE INITIALLY DEFERRED), and PostgreSQL refuses
# to ALTER a table with pending ones ("pending trigger events") in the migration's
# transaction. Run them now, then defer again as before.
CHECK_FOREIGN_KEYS_NOW = """;
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
"""


def team_column_steps(tables: dict[str, str], *, required: bool = True) -> list:
    """The migration operations that give each model a `team` and move every row
    into its owner's personal team: {model name: table} -> AddField (nullable), the
    personal teams, one UPDATE per table, then (if `required`) NOT NULL.

    One recipe for every app's `*_team` migration (surveys 0008, directories 0005,
    distributions 0017, api 0004, core 0003), so none can move rows differently.
    """
    from django.db import migrations, models

    def team_field(null: bool):
        return models.ForeignKey(
            null=null,
            blank=null,
            on_delete=models.SET_NULL if null else models.CASCADE,
            related_name="+",
            to="teams.team",
        )

    steps: list = [
        migrations.AddField(model_name=model, name="team", field=team_field(True))
        for model in tables
    ]
    steps.append(migrations.RunSQL(PERSONAL_TEAMS, migrations.RunSQL.noop))
    for model, table in tables.items():
        steps.append(
            migrations.RunSQL(
                f"UPDATE {table} AS row SET team_id = t.id FROM teams_team t"
                " WHERE t.personal_for_id = row.owner_id AND row.team_id IS NULL"
                + CHECK_FOREIGN_KEYS_NOW,
                migrations.RunSQL.noop,
            )
        )
        if required:
            steps.append(
                migrations.AlterField(
                    model_name=model, name="team", field=team_field(False)
                )
            )
    return steps
