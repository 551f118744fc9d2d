import django.core.validators
from django.db import migrations, models

# The limit as of this migration (stories.limits.ESTIMATE_MAX then); a later change of the limit needs its own.
ESTIMATE_MAX = 1000


def clamp_estimates(apps, schema_editor) -> None:
    # The API used to accept any estimate, but the document format and the board refuse more than the limit:
    # such a story could not be saved from its card, and its map's export could not be imported.
    Story = apps.get_model("stories", "Story")
    # A new version: an editor opened before the change is told the story changed, not allowed to overwrite it.
    Story.objects.filter(estimate__gt=ESTIMATE_MAX).update(estimate=ESTIMATE_MAX, version=models.F("version") + 1)


class Migration(migrations.Migration):
    dependencies = [
        ("stories", "0002_mapsnapshot"),
    ]

    operations = [
        migrations.RunPython(clamp_estimates, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="story",
            name="estimate",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="Story points.",
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(0),
                    django.core.validators.MaxValueValidator(ESTIMATE_MAX),
                ],
            ),
        ),
    ]
