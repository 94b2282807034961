from django.apps import AppConfig


class JobsConfig(AppConfig):
    """Imports and exports run in the background: status, progress, log, report and files."""

    name = "stocktake.jobs"
    label = "jobs"
    verbose_name = "Jobs"
