"""Default alert rules (one per kind, demo thresholds) and risk classes (seed 004 + national)."""

from django.db import migrations


def seed(apps, schema_editor):
    from jiuzhu.monitoring.defaults import ensure_defaults

    ensure_defaults(
        apps.get_model("monitoring", "AlertRule"), apps.get_model("monitoring", "RiskClass")
    )


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
