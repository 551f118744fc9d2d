from django.urls import path

from . import views

app_name = "projects-api"

urlpatterns = [
    path("projects/", views.ProjectListView.as_view(), name="project-list"),
    path("projects/<int:pk>/", views.ProjectDetailView.as_view(), name="project-detail"),
    path("projects/<int:project_id>/members/", views.MemberListView.as_view(), name="member-list"),
    path("projects/<int:project_id>/members/<int:member_id>/", views.MemberDetailView.as_view(), name="member-detail"),
]
