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
