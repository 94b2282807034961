from django.urls import path

from stocktake.governance import views

app_name = "governance"
urlpatterns = [
    path("records/", views.my_records, name="records"),
    path("records/new/", views.register, name="register"),
    path("records/<str:code>/", views.record, name="record"),
    path("records/<str:code>/edit/", views.edit, name="edit"),
    path("records/<str:code>/submit/", views.submit, name="submit"),
    path("records/<str:code>/withdraw/", views.withdraw, name="withdraw"),
    path("records/<str:code>/send-back/", views.send_back, name="send_back"),
    path("records/<str:code>/confirm/", views.confirm, name="confirm"),
    path("records/<str:code>/editors/", views.editors, name="editors"),
    path("records/<str:code>/editors/<int:pk>/revoke/", views.editor_revoke, name="editor_revoke"),
    path("records/<str:code>/assign/", views.assign, name="assign"),
    path("records/<str:code>/take/", views.take, name="take"),
    path("review/", views.queue, name="queue"),
    path("review/checklist/", views.checklist, name="checklist"),
    path("review/<int:pk>/", views.review, name="review"),
    path("review/<int:pk>/release/", views.release, name="release"),
    path("initiatives/<str:code>/history/", views.history, name="history"),
]
