from django.urls import path

from . import views

app_name = "aimap-api"

urlpatterns = [
    path("projects/<int:project_id>/generate-map/", views.GenerateMapView.as_view(), name="generate-map"),
    path("generations/<uuid:generation_id>/", views.GenerationView.as_view(), name="generation"),
    path("projects/<int:project_id>/export/", views.ExportView.as_view(), name="export"),
    path("projects/import/", views.ProjectImportView.as_view(), name="project-import"),
    path("projects/<int:project_id>/import/", views.MapImportView.as_view(), name="map-import"),
]
