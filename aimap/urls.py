from django.urls import path

from . import views

app_name = "aimap"

urlpatterns = [
    path("projects/<int:project_id>/generate/", views.GenerateMapView.as_view(), name="generate"),
    path("projects/<int:project_id>/history/", views.MapHistoryView.as_view(), name="history"),
    path("projects/<int:project_id>/export/", views.ExportView.as_view(), name="export"),
    path("projects/<int:project_id>/import/", views.ImportIntoProjectView.as_view(), name="import"),
    path("projects/import/", views.ImportNewProjectView.as_view(), name="import-new"),
    path("generations/<uuid:generation_id>/", views.GenerationView.as_view(), name="generation"),
    path("generations/<uuid:generation_id>/status/", views.GenerationStatusView.as_view(), name="generation-status"),
    path("snapshots/<int:snapshot_id>/restore/", views.SnapshotRestoreView.as_view(), name="snapshot-restore"),
]
