from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "jiuzhu.policy"
    label = "policy"
    verbose_name = "救助政策"
    default_auto_field = "django.db.models.BigAutoField"
