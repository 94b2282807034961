import pytest
from django.contrib.contenttypes.models import ContentType

from stocktake.core.choices import ChangeAction, ChangeSource
from stocktake.core.history import Actor, delete_with_history, save_with_history
from stocktake.core.models import HistoryEntry, SourceDocument

pytestmark = pytest.mark.django_db


def entries_for(obj: SourceDocument) -> list[HistoryEntry]:
    content_type = ContentType.objects.get_for_model(obj)
    return list(HistoryEntry.objects.filter(content_type=content_type, object_id=str(obj.pk)).order_by("id"))


def test_create_update_delete_are_recorded_with_actor_source_and_states() -> None:
    actor = Actor(source=ChangeSource.API, label="api client")
    document = save_with_history(SourceDocument(key="doc", title="First"), actor=actor)
    document.title = "Second"
    save_with_history(document, actor=actor)
    pk = document.pk
    delete_with_history(document, actor=actor)

    create, update, delete = HistoryEntry.objects.filter(
        content_type__model="sourcedocument", object_id=str(pk)
    ).order_by("id")
    assert [e.action for e in (create, update, delete)] == [
        ChangeAction.CREATE,
        ChangeAction.UPDATE,
        ChangeAction.DELETE,
    ]
    assert {e.source for e in (create, update, delete)} == {ChangeSource.API}
    assert create.before is None and (create.after or {})["title"] == "First"
    assert (update.before or {})["title"] == "First" and (update.after or {})["title"] == "Second"
    assert update.changed_fields() == [("title", "First", "Second")]
    assert (delete.before or {})["title"] == "Second" and delete.after is None
    assert delete.actor_label == "api client"
    assert not SourceDocument.objects.filter(pk=pk).exists()


def test_an_update_that_changes_nothing_writes_no_entry() -> None:
    actor = Actor.system("test")
    document = save_with_history(SourceDocument(key="same", title="Same"), actor=actor)
    save_with_history(document, actor=actor)
    assert [e.action for e in entries_for(document)] == [ChangeAction.CREATE]


def test_invalid_object_is_neither_saved_nor_recorded() -> None:
    with pytest.raises(Exception, match="key"):
        save_with_history(SourceDocument(key="not a slug!", title="x"), actor=Actor.system("test"))
    assert SourceDocument.objects.count() == 0
    assert HistoryEntry.objects.filter(content_type__model="sourcedocument").count() == 0
