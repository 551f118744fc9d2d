"""MapSnapshot now lives in stories (stories 0002 took over and renamed its table): drop it from aimap's state."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("aimap", "0002_generation_progress"),
        ("stories", "0002_mapsnapshot"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="MapSnapshot")],
            database_operations=[],
        ),
    ]
