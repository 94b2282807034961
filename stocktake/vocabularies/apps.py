from django.apps import AppConfig


class VocabulariesConfig(AppConfig):
    name = "stocktake.vocabularies"
    label = "vocabularies"
    verbose_name = "Vocabularies"
