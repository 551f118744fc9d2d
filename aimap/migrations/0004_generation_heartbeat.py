from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("aimap", "0003_mapsnapshot_to_stories"),
    ]

    operations = [
        migrations.AddField(
            model_name="generation",
            name="heartbeat",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
