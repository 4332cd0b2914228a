from django.db import migrations, models

NEW_KINDS = ("school_leaving", "hukou_move_out", "job_loss")


def seed(apps, schema_editor):
    """The default rules of the three new kinds (a site's own rules are left alone)."""
    from jiuzhu.monitoring.defaults import ensure_defaults

    AlertRule = apps.get_model("monitoring", "AlertRule")  # noqa: N806
    missing = tuple(k for k in NEW_KINDS if not AlertRule.objects.filter(kind=k).exists())
    if missing:
        ensure_defaults(AlertRule, apps.get_model("monitoring", "RiskClass"), kinds=missing)


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0002_default_rules"),
    ]

    operations = [
        migrations.AlterField(
            model_name="alert",
            name="cause",
            field=models.CharField(
                choices=[
                    ("death", "在册人员死亡"),
                    ("income_above_line", "收入超过标准"),
                    ("new_asset", "新增车辆/企业/房产"),
                    ("medical_spending", "自付医疗费用超预警线"),
                    ("age_threshold", "年满16/18/60周岁"),
                    ("severe_disability", "新办重度残疾证"),
                    ("school_change", "入学/学段变化"),
                    ("school_leaving", "离校（毕业/退学/休学）"),
                    ("hukou_move_out", "户籍迁出"),
                    ("job_loss", "家庭成员失业（新领失业金）"),
                    ("duplicate_benefit", "重复救助/互斥项目"),
                    ("payment_mismatch", "发放数据与名册不符"),
                    ("eligible_not_enrolled", "应保未保(政策找人)"),
                    ("low_income_risk", "低收入家庭返贫致贫风险"),
                ],
                max_length=24,
                verbose_name="预警原因",
            ),
        ),
        migrations.AlterField(
            model_name="alertrule",
            name="kind",
            field=models.CharField(
                choices=[
                    ("death", "在册人员死亡"),
                    ("income_above_line", "收入超过标准"),
                    ("new_asset", "新增车辆/企业/房产"),
                    ("medical_spending", "自付医疗费用超预警线"),
                    ("age_threshold", "年满16/18/60周岁"),
                    ("severe_disability", "新办重度残疾证"),
                    ("school_change", "入学/学段变化"),
                    ("school_leaving", "离校（毕业/退学/休学）"),
                    ("hukou_move_out", "户籍迁出"),
                    ("job_loss", "家庭成员失业（新领失业金）"),
                    ("duplicate_benefit", "重复救助/互斥项目"),
                    ("payment_mismatch", "发放数据与名册不符"),
                    ("eligible_not_enrolled", "应保未保(政策找人)"),
                    ("low_income_risk", "低收入家庭返贫致贫风险"),
                ],
                max_length=24,
                verbose_name="规则类型",
            ),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
