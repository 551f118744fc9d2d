"""Background tasks through django.tasks: in-process by default, the database worker in production."""

import pytest
from django.core.management import call_command
from django.tasks import TaskResultStatus, task
from django.test import override_settings

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@task
def add_numbers(left: int, right: int) -> int:
    return left + right


@pytest.mark.django_db
def test_the_embedded_default_runs_a_task_in_process():
    result = add_numbers.enqueue(2, 3)
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 5


@pytest.mark.django_db(transaction=True)
def test_the_database_backend_queues_a_task_for_db_worker():
    with override_settings(TASKS=DATABASE_TASKS):
        result = add_numbers.enqueue(20, 22)
        assert result.status == TaskResultStatus.READY

        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

        result.refresh()
        assert result.status == TaskResultStatus.SUCCESSFUL
        assert result.return_value == 42
