from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "stocktake.search"
    label = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        from stocktake.core.history import on_history_written
        from stocktake.search.sync import request_sync

        on_history_written(request_sync)
