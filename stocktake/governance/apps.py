from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "stocktake.governance"
    label = "governance"
    verbose_name = "Governance"
