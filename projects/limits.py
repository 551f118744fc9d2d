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

# An invitation to an address with no account stands this long; re-sending starts it again.
INVITATION_DAYS = 14
# Bytes of randomness in a read-only share link's token (secrets.token_urlsafe: 43 characters).
SHARE_TOKEN_BYTES = 32
# Longer than any token could be: the share page refuses it before hashing it.
SHARE_TOKEN_MAX_CHARS = 100
# The board's header shows this many members' initials, then "+n".
AVATARS_SHOWN = 5

# --- The live board (projects/live.py, projects/consumers.py) ------------------------------

# Seconds a change's announcement may wait on the channel layer (Redis down or hung) before it is
# given up: the change is saved already, and the request that made it must not hang.
LIVE_SEND_TIMEOUT = 1.0
# Close codes of a board's socket (4000 to 4999 are the application's): the browser does not retry these.
LIVE_CLOSE_NO_ACCESS = 4404
LIVE_CLOSE_REMOVED = 4403

# --- The activity feed ------------------------------------------------------------------
# Lines of the feed one Activity page shows; "Older" goes on (the API pages by DRF's PAGE_SIZE).
ACTIVITY_PAGE_SIZE = 50
