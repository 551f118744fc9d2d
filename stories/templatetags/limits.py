"""`{% load limits %}` … `maxlength="{% limit 'TITLE_MAX' %}"`: the templates' limits, from the one source."""

from django import template

from projects import limits as project_limits
from stories import limits as story_limits

register = template.Library()

LIMITS: dict[str, int] = {
    name: value
    for module in (story_limits, project_limits)
    for name, value in vars(module).items()
    if name.isupper() and isinstance(value, int)
}


@register.simple_tag
def limit(name: str) -> int:
    """The limit called `name`; a misspelt name fails the page loudly rather than dropping the attribute."""
    return LIMITS[name]
