import json

from django.db.models import QuerySet
from django.utils.text import slugify

from accounts.models import User
from projects.access import project_access_filter
from projects.models import Project
from stories.selectors import story_map_get

from .document import SCHEMA_VERSION
from .exports import document_to_jira_csv, document_to_markdown
from .models import Generation, MapSnapshot


def document_from_map(*, project: Project) -> dict:
    """The project's map as a story map document, version 1, in board order."""
    story_map = story_map_get(project=project)
    releases = {release.pk: release.name for release in story_map.releases}
    personas = {persona.pk: persona.name for persona in story_map.personas}
    return {
        "schema_version": SCHEMA_VERSION,
        "title": project.name,
        "description": project.description,
        "personas": [
            {"name": persona.name, "description": persona.description, "goals": list(persona.goals)}
            for persona in story_map.personas
        ],
        "releases": [{"name": release.name, "goal": release.goal} for release in story_map.releases],
        "activities": [
            {
                "title": activity.title,
                "description": activity.description,
                "steps": [
                    {
                        "title": step.title,
                        "description": step.description,
                        "stories": [
                            {
                                "title": story.title,
                                "description": story.description,
                                "acceptance_criteria": list(story.acceptance_criteria),
                                "release": releases.get(story.release_id),
                                "priority": story.priority,
                                "estimate": story.estimate,
                                "persona": personas.get(story.persona_id),
                                "status": story.status,
                            }
                            for story in step.story_list
                        ],
                    }
                    for step in activity.step_list
                ],
            }
            for activity in story_map.activities
        ],
    }


def generations_for_user(user: User) -> QuerySet[Generation]:
    return Generation.objects.filter(project_access_filter(user, prefix="project__"), user=user)


def snapshots_for_project(*, project: Project) -> QuerySet[MapSnapshot]:
    return MapSnapshot.objects.filter(project=project).defer("document")


EXPORT_FORMATS = {
    "json": ("application/json; charset=utf-8", "json"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "md": ("text/markdown; charset=utf-8", "md"),
}


def project_export(*, project: Project, export_format: str, epic_level: str = "activities") -> tuple[str, str, str]:
    """The project's map as (content, content type, file name) in one of EXPORT_FORMATS."""
    document = document_from_map(project=project)
    if export_format == "json":
        content = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    elif export_format == "csv":
        content = document_to_jira_csv(document, epic_level=epic_level)
    else:
        content = document_to_markdown(document)
    content_type, extension = EXPORT_FORMATS[export_format]
    return content, content_type, f"{slugify(project.name) or 'story-map'}.{extension}"
