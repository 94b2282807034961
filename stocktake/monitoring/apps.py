from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "stocktake.monitoring"
    label = "monitoring"
    verbose_name = "Monitoring"
