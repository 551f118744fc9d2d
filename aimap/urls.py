from django.urls import path

from . import views

app_name = "aimap"

urlpatterns = [
    path("projects/<int:project_id>/generate/", views.GenerateMapView.as_view(), name="generate"),
    path("generations/<uuid:generation_id>/", views.GenerationView.as_view(), name="generation"),
    path("generations/<uuid:generation_id>/status/", views.GenerationStatusView.as_view(), name="generation-status"),
]
