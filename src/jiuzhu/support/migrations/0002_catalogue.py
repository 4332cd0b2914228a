"""The service catalogue of the seeds (照料护理, 助餐, 心理疏导, 康复, 能力提升/就业培训, 家境调查,
探访) with their units. Prices are not shipped: each area's centre proposes them and the bureau
approves them (``ServicePrice``)."""

from django.db import migrations

KINDS = [
    ("care", "照料护理", "小时"),
    ("meal", "助餐", "餐"),
    ("counselling", "心理疏导", "次"),
    ("rehab", "康复", "次"),
    ("training", "能力提升/就业培训", "课时"),
    ("survey", "家境调查", "户次"),
    ("visit", "探访", "次"),
]


def load(apps, schema_editor):
    kind = apps.get_model("support", "ServiceKind")
    for i, (code, name, unit) in enumerate(KINDS):
        kind.objects.update_or_create(code=code, defaults={"name": name, "unit": unit, "order": i})


class Migration(migrations.Migration):
    dependencies = [("support", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
