"""Types the apps share, for mypy: requests whose user is known to be a logged-in User.

Django and DRF type `request.user` as "a user or AnonymousUser". Behind
`login_required` / LoginRequiredMixin, or DRF's IsAuthenticated, it is always
the project's User: views that require login annotate their request with
these, as healthchecks does. They are never instantiated; at run time the
object is Django's HttpRequest or DRF's Request as usual.
"""

from typing import TYPE_CHECKING

from django.http import HttpRequest
from rest_framework.request import Request

from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a page view that requires login."""

    user: User


class AuthenticatedRequest(Request):
    """The request of an API view whose permission classes let only logged-in users in."""

    if TYPE_CHECKING:

        @property
        def user(self) -> User: ...

        @user.setter
        def user(self, value: User) -> None: ...
