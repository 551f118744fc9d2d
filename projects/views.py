"""Project pages: the list, create, rename and delete. The board itself lives in stories.views."""

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View

from accounts.forms import add_service_errors
from config.types import AuthenticatedHttpRequest
from stories.labels import colour_names

from . import services
from .access import project_get_for_user
from .forms import ProjectForm, ProjectLabelsForm
from .limits import ACTIVITY_PAGE_SIZE, Role
from .models import Event, Project
from .selectors import activity_for_project, person_initials, project_list_for_user, stories_still_there


class ProjectListView(LoginRequiredMixin, View):
    template_name = "projects/list.html"

    def render_list(self, request: AuthenticatedHttpRequest, form: ProjectForm, status: int = 200) -> HttpResponse:
        projects = list(project_list_for_user(user=request.user))
        # One query; the list splits in two: the person's own projects, then those shared with them.
        context = {
            "projects": [project for project in projects if not project.member_role],
            "shared": [project for project in projects if project.member_role],
            "form": form,
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        return self.render_list(request, ProjectForm())

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = ProjectForm(request.POST)
        if form.is_valid():
            try:
                project = services.project_create(owner=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Project “{project.name}” created.")
                return redirect("stories:board", project_id=project.pk)
        return self.render_list(request, form, status=400)


class ProjectEditView(LoginRequiredMixin, View):
    template_name = "projects/edit.html"

    def get(self, request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
        project = project_get_for_user(user=request.user, project_id=project_id, need=Role.OWNER)
        return render(request, self.template_name, {"project": project, "form": ProjectForm(instance=project)})

    def post(self, request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
        project = project_get_for_user(user=request.user, project_id=project_id, need=Role.OWNER)
        form = ProjectForm(request.POST, instance=project)
        if form.is_valid():
            services.project_update(project=project, **form.cleaned_data)
            messages.success(request, "Project saved.")
            return redirect("stories:board", project_id=project.pk)
        project.refresh_from_db()
        return render(request, self.template_name, {"project": project, "form": form}, status=400)


class ProjectLabelsView(LoginRequiredMixin, View):
    """Name the project's label colours. The board's Labels panel posts here and is sent back to the board,
    problems and all, as messages; the page of its own (GET) shows its problems beside the form instead."""

    template_name = "projects/labels.html"
    # The page's form says so; the board's does not.
    FROM_PAGE = "page"

    def render_page(
        self, request: AuthenticatedHttpRequest, project: Project, form: ProjectLabelsForm, status: int = 200
    ) -> HttpResponse:
        return render(request, self.template_name, {"project": project, "form": form}, status=status)

    def get(self, request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
        project = project_get_for_user(user=request.user, project_id=project_id)
        return self.render_page(request, project, ProjectLabelsForm(names=colour_names(project)))

    def post(self, request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
        project = project_get_for_user(user=request.user, project_id=project_id)
        form = ProjectLabelsForm(request.POST, names=colour_names(project))
        if form.is_valid():
            try:
                services.project_labels_update(project=project, names=form.names())
            except ValidationError as error:
                problems = error.message_dict.get("label_names", error.messages)
                for problem in problems:
                    form.add_error(None, problem)
            else:
                messages.success(request, "Label names saved.")
                return redirect("stories:board", project_id=project.pk)
        else:
            problems = [
                f"{form.fields[name].label}: {message}" for name, errors in form.errors.items() for message in errors
            ]
        if request.POST.get("from") == self.FROM_PAGE:
            return self.render_page(request, project, form, status=400)
        for problem in problems:
            messages.error(request, f"Label names not saved. {problem}")
        return redirect("stories:board", project_id=project.pk)


class ProjectDeleteView(LoginRequiredMixin, View):
    template_name = "projects/delete.html"

    def get(self, request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
        project = project_get_for_user(user=request.user, project_id=project_id, need=Role.OWNER)
        return render(request, self.template_name, {"project": project})

    def post(self, request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
        project = project_get_for_user(user=request.user, project_id=project_id, need=Role.OWNER)
        name = project.name
        services.project_delete(project=project)
        messages.success(request, f"Project “{name}” deleted.")
        return redirect("projects:list")


@dataclass(frozen=True)
class FeedDay:
    """The activity of one day, newest first: what the page shows under one heading."""

    day: datetime.date
    is_today: bool
    # Each event, whether its card is still there to link to, and its actor's initials.
    lines: list[tuple[Event, bool, str]]


class ProjectActivityView(LoginRequiredMixin, View):
    """Who did what to the project and when, newest first, by day; any member may read it."""

    def get(self, request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
        project = project_get_for_user(user=request.user, project_id=project_id, need=Role.VIEWER)
        page = Paginator(activity_for_project(project=project), ACTIVITY_PAGE_SIZE).get_page(request.GET.get("page"))
        events = list(page.object_list)
        linked = stories_still_there(project=project, story_ids=[event.story_id for event in events])
        today = timezone.localdate()
        days: list[FeedDay] = []
        for event in events:
            day = timezone.localdate(event.created)
            if not days or days[-1].day != day:
                days.append(FeedDay(day=day, is_today=day == today, lines=[]))
            initials = person_initials(event.actor) if event.actor else "?"
            days[-1].lines.append((event, event.story_id in linked, initials))
        context = {"project": project, "page": page, "days": days, "yesterday": today - datetime.timedelta(days=1)}
        return render(request, "projects/activity.html", context)
