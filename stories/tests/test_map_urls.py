"""The pages and API of whole maps (earlier maps, export, import) keep the addresses they had under aimap."""

import pytest
from django.urls import resolve, reverse


@pytest.mark.parametrize(
    ("name", "args", "path"),
    [
        ("stories:history", [7], "/projects/7/history/"),
        ("stories:export", [7], "/projects/7/export/"),
        ("stories:import", [7], "/projects/7/import/"),
        ("stories:import-new", [], "/projects/import/"),
        ("stories:snapshot-restore", [3], "/snapshots/3/restore/"),
        ("stories-api:export", [7], "/api/v1/projects/7/export/"),
        ("stories-api:project-import", [], "/api/v1/projects/import/"),
        ("stories-api:map-import", [7], "/api/v1/projects/7/import/"),
    ],
)
def test_each_address_is_the_one_it_was_and_reaches_its_view(name, args, path):
    assert reverse(name, args=args) == path
    assert resolve(path).view_name == name
