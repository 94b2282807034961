"""Writes of the core app."""

from django.db import transaction

from stocktake.core.history import Actor, save_with_history
from stocktake.core.models import SourceDocument


@transaction.atomic
def source_document_upsert(
    *, actor: Actor, key: str, title: str, file_name: str = "", url: str = ""
) -> SourceDocument:
    document = SourceDocument.objects.filter(key=key).first() or SourceDocument(key=key)
    if document.pk and (document.title, document.file_name, document.url) == (title, file_name, url):
        return document
    document.title, document.file_name, document.url = title, file_name, url
    save_with_history(document, actor=actor)
    return document
