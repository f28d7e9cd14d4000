"""The deployment files point at real code, and production settings pass Django's checklist.

Docker is not available where the tests run, so docker-compose.yml and the Dockerfile are read
as files: every command must name an entry point that exists in this repository.
"""

import importlib
import json
import os
import re
import secrets
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from celery import Celery
from celery.app.utils import find_app

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

APP_PROCESSES = ("web", "worker", "beat")
BACKING_SERVICES = ("postgres", "redis")

# Settings the subprocess checks must not inherit from whoever runs the tests (CI exports some;
# the e2e fixtures set DJANGO_ALLOW_ASYNC_UNSAFE while Chromium runs, which fails check --deploy).
_SETTINGS_ENV = (
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DJANGO_ENV",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "CARECOORD_VAR_DIR",
    "DEBUG",
    "CSRF_TRUSTED_ORIGINS",
    "EMAIL_URL",
    "SITE_URL",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_PRELOAD",
    "OIDC_ENABLED",
    "OIDC_RP_CLIENT_ID",
    "OIDC_RP_CLIENT_SECRET",
    "OIDC_OP_DISCOVERY",
    "OIDC_DISABLE_PASSWORD_LOGIN",
    "OIDC_CREATE_USERS",
    "FIELD_ENCRYPTION_KEY",
)

# Staff single sign-on configured as a hospital would (the check makes no request to the provider).
SSO_ENV = {
    "OIDC_ENABLED": "1",
    "OIDC_RP_CLIENT_ID": "carecoord",
    "OIDC_RP_CLIENT_SECRET": "a-secret-from-the-provider",
    "OIDC_OP_DISCOVERY": "https://login.example.org/",
    "OIDC_DISABLE_PASSWORD_LOGIN": "1",
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def _services_built_from_x_app() -> list[str]:
    """Names of the services whose mapping merges the ``x-app`` node itself (``<<: *app``)."""
    root = yaml.compose(COMPOSE_FILE.read_text())
    top = {key.value: value for key, value in root.value}
    x_app = top["x-app"]
    names = []
    for name_node, service_node in top["services"].value:
        merged = [value for key, value in service_node.value if key.tag == "tag:yaml.org,2002:merge"]
        if any(node is x_app for node in merged):
            names.append(name_node.value)
    return names


def _argv(command: str | list[str]) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def _dockerfile_cmd() -> list[str]:
    match = re.search(r"^CMD\s+(\[.*\])\s*$", DOCKERFILE.read_text(), flags=re.MULTILINE)
    assert match, "the Dockerfile has no exec-form CMD"
    return json.loads(match.group(1))


def _assert_entry_point_exists(argv: list[str]) -> None:
    program = argv[0]
    if program == "gunicorn":
        if "-c" in argv:  # the config file (gunicorn.conf.py: workers, threads, timeouts) is the project's
            assert (ROOT / argv[argv.index("-c") + 1]).is_file()
            argv = argv[: argv.index("-c")] + argv[argv.index("-c") + 2 :]
        target = next(arg for arg in argv[1:] if not arg.startswith("-"))
        module_name, _, attribute = target.partition(":")
        application = getattr(importlib.import_module(module_name), attribute)
        assert callable(application), target
    elif program == "celery":
        app_name = argv[argv.index("-A") + 1]
        app = find_app(app_name)
        import carecoord.celery

        assert isinstance(app, Celery)
        assert app is carecoord.celery.app
        assert {"worker", "beat"} & set(argv), argv
    elif program == "python" and argv[1:2] == ["manage.py"]:
        assert (ROOT / "manage.py").is_file()
    else:
        pytest.fail(f"unrecognised command {argv}")


def _production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in _SETTINGS_ENV}
    env.update(
        DJANGO_SETTINGS_MODULE="carecoord.settings",
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="carecoord.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'carecoord.sqlite3'}",
        REDIS_URL="redis://redis.invalid:6379/0",
        CARECOORD_VAR_DIR=str(tmp_path),
        EMAIL_URL="smtp+tls://mailer:secret@smtp.example.org:587",
    )
    env.update(overrides)
    return env


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_it_defines_the_app_processes_and_backing_services(compose):
    assert set(APP_PROCESSES + BACKING_SERVICES) <= set(compose["services"])


def test_app_processes_reuse_the_x_app_image(compose):
    x_app = compose["x-app"]
    assert x_app["build"] and x_app["image"]
    assert set(APP_PROCESSES) <= set(_services_built_from_x_app())
    for name in APP_PROCESSES:
        service = compose["services"][name]
        assert service["build"] == x_app["build"], name
        assert service["image"] == x_app["image"], name


def test_backing_services_pin_major_versions_and_have_healthchecks(compose):
    services = compose["services"]
    assert re.fullmatch(r"postgres:16([.-].*)?", services["postgres"]["image"])
    assert re.fullmatch(r"redis:7([.-].*)?", services["redis"]["image"])
    for name in BACKING_SERVICES:
        assert services[name]["healthcheck"]["test"], name


def test_app_services_wait_for_healthy_postgres_and_redis(compose):
    for name in _services_built_from_x_app():
        depends_on = compose["services"][name]["depends_on"]
        for backing in BACKING_SERVICES:
            assert depends_on[backing]["condition"] == "service_healthy", (name, backing)


def test_migrations_run_before_the_app_processes(compose):
    services = compose["services"]
    web_argv = _argv(services["web"]["command"])
    if "migrate" in web_argv:
        return  # web migrates, then starts
    migrate = [
        name for name, service in services.items() if _argv(service.get("command", []))[2:3] == ["migrate"]
    ]
    assert len(migrate) == 1, "no service runs `manage.py migrate`"
    assert _argv(services[migrate[0]]["command"])[:3] == ["python", "manage.py", "migrate"]
    assert services[migrate[0]]["restart"] == "no"
    for name in APP_PROCESSES:
        condition = services[name]["depends_on"][migrate[0]]["condition"]
        assert condition == "service_completed_successfully", name


def test_beat_runs_as_one_process(compose):
    beat = compose["services"]["beat"]
    assert beat.get("deploy", {}).get("replicas", 1) == 1
    assert _argv(beat["command"])[3:4] == ["beat"]
    for name in ("web", "worker"):
        assert "beat" not in _argv(compose["services"][name]["command"]), name
        assert "-B" not in _argv(compose["services"][name]["command"]), name


def test_every_command_points_at_a_real_entry_point(compose):
    for name in _services_built_from_x_app():
        _assert_entry_point_exists(_argv(compose["services"][name]["command"]))
    assert _argv(compose["services"]["web"]["command"]) == [
        "gunicorn",
        "-c",
        "gunicorn.conf.py",
        "carecoord.wsgi:application",
    ]
    assert _argv(compose["services"]["worker"]["command"])[:4] == ["celery", "-A", "carecoord", "worker"]
    _assert_entry_point_exists(_dockerfile_cmd())


def test_web_healthcheck_does_not_depend_on_beat(compose):
    check = " ".join(_argv(compose["services"]["web"]["healthcheck"]["test"]))
    assert "/login/" in check
    assert "/healthz" not in check


def test_production_secrets_come_from_the_operator(compose):
    env = compose["x-app"]["environment"]
    assert env["DJANGO_ENV"] == "production"
    for required in ("SECRET_KEY", "ALLOWED_HOSTS"):
        assert re.fullmatch(rf"\$\{{{required}:\?[^}}]+\}}", env[required]), env[required]
    assert env["DATABASE_URL"].startswith("postgres://")
    assert "@postgres:5432/" in env["DATABASE_URL"]
    assert env["REDIS_URL"].startswith("redis://redis:6379/")
    for name in _services_built_from_x_app():
        assert compose["services"][name]["environment"] == env, name


def test_dockerfile_builds_a_non_root_image_with_static_files():
    text = DOCKERFILE.read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", text, flags=re.MULTILINE)
    assert re.search(r"^COPY requirements\.txt\b", text, flags=re.MULTILINE)
    assert "pip install -r requirements.txt" in text
    assert "manage.py collectstatic --noinput" in text
    users = re.findall(r"^USER\s+(\S+)", text, flags=re.MULTILINE)
    assert users, "the image runs as root"
    assert users[-1].split(":")[0] not in ("root", "0")


def test_dockerignore_keeps_secrets_and_local_state_out():
    ignored = {line.strip() for line in DOCKERIGNORE.read_text().splitlines()}
    assert {".env", ".git", ".venv", "var"} <= ignored


@pytest.mark.parametrize("sso", [{}, SSO_ENV], ids=["sso-off", "sso-on"])
def test_production_settings_pass_check_deploy(tmp_path, sso):
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env(tmp_path, **sso))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_flags_a_single_sign_on_provider_without_https(tmp_path):
    env = _production_env(tmp_path, **{**SSO_ENV, "OIDC_OP_DISCOVERY": "http://login.example.org/"})
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "accounts.W001" in result.stdout + result.stderr


def test_single_sign_on_refuses_to_start_half_configured(tmp_path):
    env = _production_env(tmp_path, OIDC_ENABLED="1", OIDC_RP_CLIENT_ID="carecoord")
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "OIDC_RP_CLIENT_SECRET" in result.stderr and "OIDC_OP_DISCOVERY" in result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "EMAIL_URL"])
def test_production_refuses_to_start_without_its_secrets(tmp_path, missing):
    env = _production_env(tmp_path)
    del env[missing]
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert missing in result.stderr


@pytest.mark.django_db
def test_postgres_sessions_run_without_jit_and_with_ssd_page_costs(require_postgres):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"
