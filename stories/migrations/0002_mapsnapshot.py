"""MapSnapshot moves here from aimap, with its rows: the table aimap_mapsnapshot becomes stories_mapsnapshot.

The model enters this app's state on the table aimap created (no SQL), the
table is then renamed, and its content type follows it, so that admin
permissions and history stay attached. aimap 0003 drops the model from aimap's
state once this has run.
"""

import django.db.models.deletion
from django.db import migrations, models


def content_type_to(app_label: str, other: str):
    def move(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        content_types = ContentType.objects.using(schema_editor.connection.alias)
        if not content_types.filter(app_label=app_label, model="mapsnapshot").exists():
            content_types.filter(app_label=other, model="mapsnapshot").update(app_label=app_label)

    return move


class Migration(migrations.Migration):
    dependencies = [
        ("aimap", "0002_generation_progress"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("projects", "0001_initial"),
        ("stories", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="MapSnapshot",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("reason", models.CharField(max_length=200)),
                        ("document", models.JSONField()),
                        ("counts", models.JSONField(default=dict)),
                        ("created", models.DateTimeField(auto_now_add=True)),
                        (
                            "project",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="snapshots",
                                to="projects.project",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-created", "-id"],
                        "db_table": "aimap_mapsnapshot",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="mapsnapshot", table=None),
        migrations.RunPython(content_type_to("stories", "aimap"), content_type_to("aimap", "stories")),
    ]
