"""A project's limits, written once: the model, the forms, the API, the story map
document's title and description, AI generation and the templates read them here."""

PROJECT_NAME_MAX = 120
# The product description: also what AI generation reads, and a document's description.
PROJECT_DESCRIPTION_MAX = 10_000


# --- Sharing ----------------------------------------------------------------------------

from django.db import models  # noqa: E402  # below the plain limits, which need no Django


class Role(models.TextChoices):
    """What a person may do with a project. The owner is the project's `owner`; the others are members."""

    OWNER = "owner", "Owner"
    EDITOR = "editor", "Editor"
    VIEWER = "viewer", "Viewer"


# Each role may do all that the roles below it may.
ROLE_RANK = {Role.VIEWER: 1, Role.EDITOR: 2, Role.OWNER: 3}
# The roles a member can be given; ownership is handed over, not given.
MEMBER_ROLES = (Role.EDITOR, Role.VIEWER)
# As the model, the forms and the API offer them.
MEMBER_ROLE_CHOICES = [(role.value, role.label) for role in MEMBER_ROLES]
