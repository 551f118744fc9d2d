"""The settings mypy's Django plugin loads (it imports them to read the apps and models).

They are config.settings, with a placeholder secret key when none is set, so that
`mypy .` runs with no environment at all. Nothing serves with these.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "mypy-only-placeholder-not-a-secret")

from config.settings import *  # noqa: F403
