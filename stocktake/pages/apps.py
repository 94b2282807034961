from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "stocktake.pages"
    label = "pages"
    verbose_name = "Public pages"
