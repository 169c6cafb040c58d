"""Give every response its opaque public ID (R_ and 15 letters and digits).

Three steps, so existing rows each get their own random ID rather than one default
shared by all: add the column as nullable, fill it in id-ordered batches, then make
it NOT NULL and unique (response_public_id_unique).
"""

from django.db import migrations, models

import surveys.models

BATCH_SIZE = 10_000


def backfill_public_ids(apps, schema_editor):
    """Fill public_id for existing responses, BATCH_SIZE rows per UPDATE.

    Keyset batches on the primary key keep memory flat on a table of any size; each
    batch is one UPDATE joined to the (id, public_id) pairs sent as two arrays.
    """
    table = apps.get_model("surveys", "Response")._meta.db_table
    last_id = 0
    with schema_editor.connection.cursor() as cursor:
        while True:
            cursor.execute(
                f"SELECT id FROM {table} WHERE id > %s ORDER BY id LIMIT %s",
                [last_id, BATCH_SIZE],
            )
            ids = [row[0] for row in cursor.fetchall()]
            if not ids:
                break
            cursor.execute(
                f"UPDATE {table} r SET public_id = v.public_id"
                " FROM unnest(%s::bigint[], %s::text[]) AS v(id, public_id)"
                " WHERE r.id = v.id",
                [ids, [surveys.models.new_response_id() for _ in ids]],
            )
            last_id = ids[-1]
        # The UPDATEs queued the deferred foreign-key checks, and PostgreSQL refuses
        # the next ALTER TABLE while any are pending: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="response",
            name="public_id",
            field=models.CharField(db_collation="C", max_length=17, null=True),
        ),
        migrations.RunPython(backfill_public_ids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="response",
            name="public_id",
            field=models.CharField(
                db_collation="C",
                default=surveys.models.new_response_id,
                max_length=17,
            ),
        ),
        migrations.AddConstraint(
            model_name="response",
            constraint=models.UniqueConstraint(
                fields=("public_id",), name="response_public_id_unique"
            ),
        ),
    ]
