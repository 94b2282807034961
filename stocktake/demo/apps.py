from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "stocktake.demo"
    label = "demo"
    verbose_name = "Demo data"
