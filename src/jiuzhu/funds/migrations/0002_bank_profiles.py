"""Two bank-file layouts to start with: a generic UTF-8 CSV in yuan and a GBK CSV in fen."""

from django.db import migrations

COMMON = [
    ["ref", "明细编号"],
    ["batch", "批次号"],
    ["account_number", "账号"],
    ["holder_name", "户名"],
    ["amount", "金额"],
    ["bank_name", "开户行"],
    ["programme", "项目"],
    ["month", "发放月份"],
]


def add_profiles(apps, schema_editor):
    BankProfile = apps.get_model("funds", "BankProfile")
    BankProfile.objects.get_or_create(
        name="通用代发(UTF-8,元)",
        defaults={
            "bank_name": "通用",
            "file_format": "csv",
            "encoding": "utf-8",
            "delimiter": ",",
            "amount_unit": "yuan",
            "columns": COMMON,
            "is_default": True,
        },
    )
    BankProfile.objects.get_or_create(
        name="农商银行代发(GBK,分)",
        defaults={
            "bank_name": "江苏泰州农村商业银行",
            "file_format": "csv",
            "encoding": "gbk",
            "delimiter": "|",
            "amount_unit": "fen",
            "columns": [
                ["ref", "流水号"],
                ["batch", "批次"],
                ["account_number", "收款账号"],
                ["holder_name", "收款户名"],
                ["amount", "金额(分)"],
            ],
            "result_header": "结果",
            "reason_header": "原因",
        },
    )


class Migration(migrations.Migration):
    dependencies = [("funds", "0001_initial")]
    operations = [migrations.RunPython(add_profiles, migrations.RunPython.noop)]
