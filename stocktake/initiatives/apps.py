from django.apps import AppConfig


class InitiativesConfig(AppConfig):
    name = "stocktake.initiatives"
    label = "initiatives"
    verbose_name = "Initiatives"
