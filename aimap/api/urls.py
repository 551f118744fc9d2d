from django.urls import path

from . import views

app_name = "aimap-api"

urlpatterns = [
    path("projects/<int:project_id>/generate-map/", views.GenerateMapView.as_view(), name="generate-map"),
    path("generations/<uuid:generation_id>/", views.GenerationView.as_view(), name="generation"),
]
