"""docker-compose.yml and the Dockerfile, checked as far as a machine without Docker can."""

import re

import yaml

from tests.support import BASE_DIR


def load_compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def test_compose_runs_web_worker_postgres_and_redis_each_with_a_healthcheck():
    services = load_compose()["services"]
    assert set(services) == {"web", "worker", "postgres", "redis"}
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"


def test_postgres_is_version_16_or_newer():
    image = load_compose()["services"]["postgres"]["image"]
    major = int(re.match(r"postgres:(\d+)", image).group(1))
    assert major >= 16


def test_web_waits_for_healthy_database_and_redis_and_migrates_before_serving():
    web = load_compose()["services"]["web"]
    assert web["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert web["depends_on"]["redis"]["condition"] == "service_healthy"
    command = " ".join(web["command"])
    assert command.index("migrate") < command.index("gunicorn")
    assert "config/gunicorn.py" in command
    assert "/ready" in " ".join(web["healthcheck"]["test"])


def test_worker_runs_the_database_task_worker_against_the_same_services():
    services = load_compose()["services"]
    worker = services["worker"]
    assert worker["command"][:3] == ["python", "manage.py", "db_worker"]
    assert worker["environment"]["TASKS_BACKEND"] == "database"
    assert worker["environment"] == services["web"]["environment"]
    assert worker["depends_on"]["web"]["condition"] == "service_healthy"


def test_app_environment_points_at_the_compose_services_and_requires_a_secret():
    environment = load_compose()["services"]["web"]["environment"]
    assert environment["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in environment["DATABASE_URL"]
    assert environment["REDIS_URL"] == "redis://redis:6379/0"
    assert environment["DJANGO_DEBUG"] == "0"
    # ${VAR:?message} makes compose refuse to start without the key.
    assert environment["DJANGO_SECRET_KEY"].startswith("${DJANGO_SECRET_KEY:?")


def test_every_variable_compose_passes_is_documented_in_the_readme():
    readme = (BASE_DIR / "README.md").read_text()
    environment = load_compose()["services"]["web"]["environment"]
    missing = [name for name in environment if f"`{name}`" not in readme]
    assert missing == []


def test_dockerfile_installs_the_pinned_requirements_and_starts_gunicorn():
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    base = re.search(r"^FROM python:(\d+)\.(\d+)", dockerfile, re.MULTILINE)
    assert base and (int(base.group(1)), int(base.group(2))) >= (3, 12)
    assert "pip install -r requirements.txt" in dockerfile
    assert "collectstatic" in dockerfile
    assert re.search(r"^USER (?!root)", dockerfile, re.MULTILINE), "the app must not run as root"
    assert '"gunicorn", "--config", "config/gunicorn.py"' in dockerfile


def test_requirements_pin_every_package_exactly():
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in (BASE_DIR / name).read_text().splitlines():
            line = line.split("#")[0].strip()
            if line and not line.startswith("-r"):
                assert "==" in line, f"{name}: {line} is not pinned with =="
