from django.db import migrations

# The thresholds low_income_risk gained with the income trend (the values of params.LowIncomeParams
# when this migration was written; stored rules keep their own values for the old keys).
NEW_PARAMS = {
    "use_watch_list": True,
    "trend": True,
    "trend_kinds": ["wage", "pension"],
    "fall_months": 6,
    "fall_share": "0.3",
    "near_multiplier": "1.5",
}


def fill(apps, schema_editor):
    """Store the full typed set on every low_income_risk rule (new keys take the defaults)."""
    AlertRule = apps.get_model("monitoring", "AlertRule")  # noqa: N806
    for rule in AlertRule.objects.filter(kind="low_income_risk"):
        rule.params = {**NEW_PARAMS, **(rule.params or {})}
        rule.save(update_fields=["params"])


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0004_programme_route"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
