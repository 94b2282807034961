from django.apps import AppConfig


class InterchangeConfig(AppConfig):
    """Imports and exports (IATI, CSV/XLSX, text project pages); no models of its own."""

    name = "stocktake.interchange"
    label = "interchange"
    verbose_name = "Interchange"
