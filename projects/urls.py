from django.urls import path

from . import views

app_name = "projects"

urlpatterns = [
    path("", views.ProjectListView.as_view(), name="list"),
    path("<int:project_id>/edit/", views.ProjectEditView.as_view(), name="edit"),
    path("<int:project_id>/delete/", views.ProjectDeleteView.as_view(), name="delete"),
    path("<int:project_id>/labels/", views.ProjectLabelsView.as_view(), name="labels"),
    path("<int:project_id>/activity/", views.ProjectActivityView.as_view(), name="activity"),
]
