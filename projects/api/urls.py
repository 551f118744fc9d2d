from django.urls import path

from . import views

app_name = "projects-api"

urlpatterns = [
    path("projects/", views.ProjectListView.as_view(), name="project-list"),
    path("projects/<int:pk>/", views.ProjectDetailView.as_view(), name="project-detail"),
    path("projects/<int:project_id>/members/", views.MemberListView.as_view(), name="member-list"),
    path("projects/<int:project_id>/members/<int:member_id>/", views.MemberDetailView.as_view(), name="member-detail"),
    path(
        "projects/<int:project_id>/invitations/<int:invitation_id>/",
        views.InvitationDetailView.as_view(),
        name="invitation-detail",
    ),
    path(
        "projects/<int:project_id>/invitations/<int:invitation_id>/resend/",
        views.InvitationResendView.as_view(),
        name="invitation-resend",
    ),
    path("projects/<int:project_id>/share-link/", views.ShareLinkView.as_view(), name="share-link"),
    path("projects/<int:project_id>/activity/", views.ActivityFeedView.as_view(), name="activity"),
    path("projects/<int:project_id>/owner/", views.OwnerTransferView.as_view(), name="owner-transfer"),
]
