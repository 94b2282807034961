from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "stocktake.organisations"
    label = "organisations"
    verbose_name = "Organisations"
