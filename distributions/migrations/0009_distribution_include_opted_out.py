from django.db import migrations, models


def batches_so_far_included_everyone(apps, schema_editor):
    """Personal-links batches made before the checkbox gave every contact a link."""
    Distribution = apps.get_model("distributions", "Distribution")
    Distribution.objects.filter(kind="links").update(include_opted_out=True)


class Migration(migrations.Migration):
    dependencies = [
        ("distributions", "0008_invitation_finished_anonymously"),
    ]

    operations = [
        migrations.AddField(
            model_name="distribution",
            name="include_opted_out",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(
            batches_so_far_included_everyone, migrations.RunPython.noop
        ),
    ]
