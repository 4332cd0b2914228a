"""Two bank-file layouts to start with: a generic UTF-8 CSV in yuan and a GBK CSV in fen."""

from django.db import migrations


def add_profiles(apps, schema_editor):
    from jiuzhu.funds.bankfiles import bank_profiles_ensure

    bank_profiles_ensure(apps.get_model("funds", "BankProfile"))


class Migration(migrations.Migration):
    dependencies = [("funds", "0001_initial")]
    operations = [migrations.RunPython(add_profiles, migrations.RunPython.noop)]
