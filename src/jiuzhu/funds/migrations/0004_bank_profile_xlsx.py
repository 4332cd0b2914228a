"""The 邮储银行 Excel (xlsx) layout for sites created before it joined ``DEFAULT_PROFILES``."""

from django.db import migrations


def add_profiles(apps, schema_editor):
    from jiuzhu.funds.bankfiles import bank_profiles_ensure

    bank_profiles_ensure(apps.get_model("funds", "BankProfile"))


class Migration(migrations.Migration):
    dependencies = [("funds", "0003_line_indexes")]
    operations = [migrations.RunPython(add_profiles, migrations.RunPython.noop)]
