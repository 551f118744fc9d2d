from django.urls import path

from . import views

app_name = "aimap-api"

urlpatterns = [
    path("projects/<int:project_id>/generate-map/", views.GenerateMapView.as_view(), name="generate-map"),
    path("generations/<uuid:generation_id>/", views.GenerationView.as_view(), name="generation"),
    path("steps/<int:pk>/suggest-stories/", views.SuggestStoriesView.as_view(), name="step-suggest-stories"),
    path("stories/<int:pk>/suggest-criteria/", views.SuggestCriteriaView.as_view(), name="story-suggest-criteria"),
    path("stories/<int:pk>/split/", views.SplitStoryView.as_view(), name="story-split"),
    path("activities/<int:pk>/fill-gaps/", views.FillGapsView.as_view(), name="activity-fill-gaps"),
    path("proposals/<uuid:proposal_id>/", views.ProposalView.as_view(), name="proposal"),
    path("proposals/<uuid:proposal_id>/accept/", views.ProposalAcceptView.as_view(), name="proposal-accept"),
    path("proposals/<uuid:proposal_id>/reject/", views.ProposalRejectView.as_view(), name="proposal-reject"),
]
