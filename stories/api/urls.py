from django.urls import path

from . import views

app_name = "stories-api"

urlpatterns = [
    path("projects/<int:project_id>/map/", views.StoryMapView.as_view(), name="story-map"),
    path("projects/<int:project_id>/activities/", views.ActivityListView.as_view(), name="activity-list"),
    path("activities/<int:pk>/", views.ActivityDetailView.as_view(), name="activity-detail"),
    path("activities/<int:pk>/move/", views.ActivityMoveView.as_view(), name="activity-move"),
    path("projects/<int:project_id>/steps/", views.StepListView.as_view(), name="step-list"),
    path("steps/<int:pk>/", views.StepDetailView.as_view(), name="step-detail"),
    path("steps/<int:pk>/move/", views.StepMoveView.as_view(), name="step-move"),
    path("projects/<int:project_id>/releases/", views.ReleaseListView.as_view(), name="release-list"),
    path("releases/<int:pk>/", views.ReleaseDetailView.as_view(), name="release-detail"),
    path("releases/<int:pk>/move/", views.ReleaseMoveView.as_view(), name="release-move"),
    path("projects/<int:project_id>/personas/", views.PersonaListView.as_view(), name="persona-list"),
    path("personas/<int:pk>/", views.PersonaDetailView.as_view(), name="persona-detail"),
    path("personas/<int:pk>/move/", views.PersonaMoveView.as_view(), name="persona-move"),
    path("projects/<int:project_id>/stories/", views.StoryListView.as_view(), name="story-list"),
    path("stories/<int:pk>/", views.StoryDetailView.as_view(), name="story-detail"),
    path("stories/<int:pk>/move/", views.StoryMoveView.as_view(), name="story-move"),
    path("stories/<int:pk>/comments/", views.CommentListView.as_view(), name="comment-list"),
    path("comments/<int:pk>/", views.CommentDetailView.as_view(), name="comment-detail"),
    path("projects/<int:project_id>/history/", views.HistoryView.as_view(), name="history"),
    path("projects/<int:project_id>/undo/", views.UndoView.as_view(), name="undo"),
    path("projects/<int:project_id>/redo/", views.RedoView.as_view(), name="redo"),
    path("projects/<int:project_id>/trash/", views.TrashListView.as_view(), name="trash"),
    path("trash/<int:change_id>/restore/", views.TrashRestoreView.as_view(), name="trash-restore"),
    path("projects/<int:project_id>/export/", views.ExportView.as_view(), name="export"),
    path("projects/<int:project_id>/quality/", views.QualityView.as_view(), name="quality"),
    path("projects/import/", views.ProjectImportView.as_view(), name="project-import"),
    path("projects/<int:project_id>/import/", views.MapImportView.as_view(), name="map-import"),
]
