from django.urls import path

from . import print_views, share_views, views

app_name = "stories"
DELETE = {"action": "delete"}

urlpatterns = [
    path("projects/<int:project_id>/", views.BoardView.as_view(), name="board"),
    path("projects/<int:project_id>/activities/", views.ActivityAddView.as_view(), name="activity-add"),
    path("projects/<int:project_id>/steps/", views.StepAddView.as_view(), name="step-add"),
    path("projects/<int:project_id>/releases/", views.ReleaseAddView.as_view(), name="release-add"),
    path("projects/<int:project_id>/personas/", views.PersonaAddView.as_view(), name="persona-add"),
    path("projects/<int:project_id>/stories/", views.StoryAddView.as_view(), name="story-add"),
    path("board/activities/<int:pk>/", views.ActivityEditView.as_view(), name="activity-edit"),
    path("board/activities/<int:pk>/delete/", views.ActivityEditView.as_view(), DELETE, name="activity-delete"),
    path("board/steps/<int:pk>/", views.StepEditView.as_view(), name="step-edit"),
    path("board/steps/<int:pk>/delete/", views.StepEditView.as_view(), DELETE, name="step-delete"),
    path("board/releases/<int:pk>/", views.ReleaseEditView.as_view(), name="release-edit"),
    path("board/releases/<int:pk>/delete/", views.ReleaseEditView.as_view(), DELETE, name="release-delete"),
    path("board/personas/<int:pk>/", views.PersonaEditView.as_view(), name="persona-edit"),
    path("board/personas/<int:pk>/delete/", views.PersonaEditView.as_view(), DELETE, name="persona-delete"),
    path("board/stories/<int:pk>/", views.StoryView.as_view(), name="story"),
    path("board/stories/<int:pk>/delete/", views.StoryDeleteView.as_view(), name="story-delete"),
    path("board/stories/<int:pk>/comments/", views.CommentAddView.as_view(), name="comment-add"),
    path("board/comments/<int:pk>/delete/", views.CommentDeleteView.as_view(), name="comment-delete"),
    path("projects/<int:project_id>/undo/", views.UndoView.as_view(), name="undo"),
    path("projects/<int:project_id>/redo/", views.RedoView.as_view(), name="redo"),
    path("projects/<int:project_id>/trash/", views.TrashView.as_view(), name="trash"),
    path("trash/<int:change_id>/restore/", views.TrashRestoreView.as_view(), name="trash-restore"),
    path("projects/<int:project_id>/history/", views.MapHistoryView.as_view(), name="history"),
    path("projects/<int:project_id>/export/", views.ExportView.as_view(), name="export"),
    path("projects/<int:project_id>/print/", print_views.PrintView.as_view(), name="print"),
    path("projects/<int:project_id>/import/", views.ImportIntoProjectView.as_view(), name="import"),
    path("projects/import/", views.ImportNewProjectView.as_view(), name="import-new"),
    path("snapshots/<int:snapshot_id>/restore/", views.SnapshotRestoreView.as_view(), name="snapshot-restore"),
    path("share/<str:token>/", share_views.SharedBoardView.as_view(), name="shared-board"),
]
