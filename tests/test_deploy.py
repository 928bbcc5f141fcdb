"""docker-compose.yml and the Dockerfile name things that exist.

No Docker engine runs here, so instead of starting the stack these tests read both files and check
that every command names an importable module or an existing management command, that every
environment variable is one the settings read and parse, and that start-up order rests on
health checks.
"""

import importlib
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
import redis
import yaml
from celery.app.utils import find_app
from django.core.management import get_commands
from django.urls import resolve

from portal.env import parse_database_url, parse_redis_url

ROOT = Path(__file__).resolve().parents[1]
APP_SERVICES = {"migrate", "web", "worker", "beat"}


def interpolate(value: str) -> str:
    """Compose variable substitution with the defaults written in the file (required ones: "x")."""

    def one(match):
        name, operator, argument = match.group(1), match.group(2), match.group(3)
        if operator in (":-", "-"):
            return argument
        return "x" if operator in (":?", "?") else f"<{name}>"

    value = re.sub(r"\$\{([A-Z_][A-Z0-9_]*)(?:(:?[-?])([^}]*))?\}", one, value)
    return value.replace("$$", "$")


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


def command_of(service) -> list[str]:
    command = service["command"]
    return shlex.split(command) if isinstance(command, str) else list(command)


def settings_variables() -> set[str]:
    source = (ROOT / "portal" / "settings.py").read_text()
    return set(re.findall(r"(?:env_(?:str|bool|int|float|list|choice)|_secret)\(\s*\"([A-Z0-9_]+)\"", source))


def test_it_runs_the_production_services(services):
    assert set(services) == {"postgres", "redis", *APP_SERVICES}
    for name in APP_SERVICES:
        assert services[name]["build"] == "."


def test_the_web_command_names_the_wsgi_application(services):
    command = command_of(services["web"])
    assert command[0] == "gunicorn"
    module, attribute = next(part for part in command if ":" in part and not part[0].isdigit()).split(":")
    application = getattr(importlib.import_module(module), attribute)
    assert callable(application)


@pytest.mark.parametrize("name, subcommand", [("worker", "worker"), ("beat", "beat")])
def test_the_celery_commands_name_the_celery_app(services, name, subcommand):
    command = command_of(services[name])
    assert command[0] == "celery"
    app_name = command[command.index("-A") + 1]
    app = find_app(app_name)
    assert app.main == "portal"
    assert subcommand in command
    # The beat schedule names tasks the app knows.
    app.loader.import_default_modules()
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks


def test_manage_py_commands_exist(services):
    command = command_of(services["migrate"])
    assert command[:2] == ["python", "manage.py"]
    assert (ROOT / "manage.py").is_file()
    assert command[2] in get_commands()


def test_the_environment_is_what_settings_read(services):
    known = settings_variables()
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS", "DEBUG"} <= known
    for name in APP_SERVICES:
        environment = services[name]["environment"]
        assert set(environment) <= known, name
        assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS"} <= set(environment), name
        database = parse_database_url(interpolate(environment["DATABASE_URL"]))
        assert database["ENGINE"] == "django.db.backends.postgresql"
        assert database["HOST"] == "postgres"
        assert urlparse(parse_redis_url(interpolate(environment["REDIS_URL"]))).hostname == "redis"
        assert interpolate(str(environment["DEBUG"])) == "0"
        # No key is written into the file: compose refuses to start without one.
        assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")
        assert environment["BURDEN_PERTURBATION_KEY"].startswith("${BURDEN_PERTURBATION_KEY:?")


def test_the_database_credentials_match(services):
    postgres = services["postgres"]["environment"]
    database = parse_database_url(interpolate(services["web"]["environment"]["DATABASE_URL"]))
    assert (database["NAME"], database["USER"]) == (postgres["POSTGRES_DB"], postgres["POSTGRES_USER"])
    assert services["web"]["environment"]["DATABASE_URL"].count(postgres["POSTGRES_PASSWORD"]) == 1


def test_start_up_waits_on_health_checks(services):
    for name, service in services.items():
        for dependency, rule in service.get("depends_on", {}).items():
            condition = rule["condition"]
            if condition == "service_healthy":
                assert "healthcheck" in services[dependency], f"{name} waits on {dependency}"
            else:
                assert condition == "service_completed_successfully"
                assert services[dependency]["restart"] == "no"
        # A long-running service proves itself healthy or starts only after healthy ones.
        if service.get("restart") != "no" and "healthcheck" not in service:
            conditions = {rule["condition"] for rule in service["depends_on"].values()}
            assert "service_healthy" in conditions, name
    for name in APP_SERVICES - {"migrate"}:
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_the_web_health_check_probes_a_real_page(services):
    web = services["web"]
    probe = " ".join(web["healthcheck"]["test"])
    url = urlparse(re.search(r"https?://[^'\" ]+", probe).group(0))
    assert resolve(url.path).url_name == "login"
    bind = command_of(web)[command_of(web).index("--bind") + 1]
    assert url.port == int(bind.rsplit(":", 1)[1])
    assert url.hostname in interpolate(web["environment"]["ALLOWED_HOSTS"]).split(",")


def dockerfile_instructions():
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [tuple(line.split(None, 1)) for line in lines]


def test_the_dockerfile_copies_paths_that_exist():
    instructions = dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    copies = [shlex.split(argument) for keyword, argument in instructions if keyword == "COPY"]
    assert copies
    for parts in copies:
        for source in parts[:-1]:
            assert (ROOT / source).exists(), source
    copied = {source for parts in copies for source in parts[:-1]}
    # Everything the running code needs is in the image.
    assert {"requirements.txt", "manage.py", "portal", "reports", "templates", "static", "locale"} <= copied
    for keyword, argument in instructions:
        if keyword == "RUN" and "pip install" in argument:
            requirement = shlex.split(argument)[shlex.split(argument).index("-r") + 1]
            assert requirement in copied and (ROOT / requirement).is_file()


def test_the_dockerfile_collects_static_files_without_baking_a_key():
    instructions = dockerfile_instructions()
    runs = [argument for keyword, argument in instructions if keyword == "RUN"]
    collect = [run for run in runs if "collectstatic" in run]
    assert len(collect) == 1 and "SECRET_KEY=" in collect[0]
    assert "collectstatic" in get_commands()
    for keyword, argument in instructions:
        if keyword in ("ENV", "ARG"):
            assert "SECRET_KEY" not in argument and "PERTURBATION_KEY" not in argument


def test_the_image_runs_as_a_non_root_user_and_serves_with_gunicorn(services):
    instructions = dockerfile_instructions()
    keywords = [keyword for keyword, _argument in instructions]
    user = [argument for keyword, argument in instructions if keyword == "USER"]
    assert user and user[-1] not in ("root", "0")
    assert keywords.index("USER") < keywords.index("CMD")
    cmd = yaml.safe_load(dict(instructions)["CMD"])
    assert cmd == command_of(services["web"])


def test_dockerignore_keeps_local_state_out():
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "var", "staticfiles"} <= set(ignored)


def test_ci_run_empties_its_redis_db_before_and_after_the_tests():
    script = (ROOT / ".ci" / "run").read_text()
    cleanup = script[script.index("cleanup() {") : script.index("trap cleanup EXIT")]
    assert "flush_redis" in cleanup
    after_trap = script[script.index("trap cleanup EXIT") :]
    assert after_trap.index("flush_redis") < after_trap.index("make test")
    assert ".flushdb()" in (ROOT / "scripts" / "flush_redis_db.py").read_text()  # its db only, never FLUSHALL


def test_the_flush_script_empties_the_db_redis_url_names(need_redis):
    url = os.environ["REDIS_URL"]
    server = redis.Redis.from_url(url)
    server.set("burden-test-left-behind", "1")
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "flush_redis_db.py")],
        env={**os.environ, "REDIS_URL": url},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert server.get("burden-test-left-behind") is None


def pytest_command_of_make_test(**env) -> str:
    """The pytest line `make test` would run with this environment (a dry run: nothing runs)."""
    inherited = ("REDIS_URL", "PYTEST_WORKERS", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")  # CI runs us inside make
    environment = {k: v for k, v in os.environ.items() if k not in inherited}
    result = subprocess.run(
        ["make", "--dry-run", "--old-file=.venv/.installed", "test"],
        cwd=ROOT,
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    (line,) = [line for line in result.stdout.splitlines() if " -m pytest " in line]
    return line


def test_make_test_runs_parallel_workers_only_without_redis_url():
    assert " -m pytest -n auto" in pytest_command_of_make_test()
    # CI sets REDIS_URL: its Celery worker tests share one Redis db, so the suite runs serially.
    assert " -m pytest -n 0" in pytest_command_of_make_test(REDIS_URL="redis://127.0.0.1:6379/15")
    assert " -m pytest -n 0" in pytest_command_of_make_test(PYTEST_WORKERS="0")


# Run in a fresh interpreter: the settings decide at import whether a manifest exists.
_SERVE_COLLECTED = """
import json

import django

django.setup()
from django.templatetags.static import static
from django.test import Client

client = Client()
out = {"url": static("vendor/echarts/echarts.min.js")}
for name, url in (("hashed", out["url"]), ("plain", "/static/vendor/echarts/echarts.min.js")):
    answer = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    body = b"".join(answer.streaming_content)
    out[name] = [answer.status_code, answer.headers.get("Cache-Control"), len(body)]
out["css"] = static("css/portal.css")
out["page_names_css"] = out["css"] in client.get("/login/").content.decode()
print(json.dumps(out))
"""


def test_collected_static_files_are_cached_a_year_as_immutable(tmp_path):
    """As the image serves them (DEBUG off, collectstatic run): a page names the content-hashed
    file, which WhiteNoise serves with a year's immutable Cache-Control; the plain name stays
    short-lived. Before collectstatic the tests' own pages name the plain files."""
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "static-test-secret-key",
        "BURDEN_PERTURBATION_KEY": "static-test-perturbation-key",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "ALLOWED_HOSTS": "testserver",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }
    env.pop("REDIS_URL", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input", "-v0"], env=env, cwd=ROOT, check=True)
    subprocess.run([*manage, "collectstatic", "--no-input", "-v0"], env=env, cwd=ROOT, check=True)
    run = subprocess.run(
        [sys.executable, "-c", _SERVE_COLLECTED],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    served = json.loads(run.stdout.strip().splitlines()[-1])
    assert re.fullmatch(r"/static/vendor/echarts/echarts\.min\.[0-9a-f]{12}\.js", served["url"])
    assert re.fullmatch(r"/static/css/portal\.[0-9a-f]{12}\.css", served["css"]) and served["page_names_css"]
    status, cache_control, size = served["hashed"]
    assert status == 200 and size > 100_000
    assert cache_control == "max-age=31536000, public, immutable"
    status, cache_control, _size = served["plain"]
    assert status == 200 and "immutable" not in cache_control


def test_under_ci_a_skipped_test_fails_the_run():
    """CI passes only by running everything: any skip (not only a missing service) fails it."""
    probe = ROOT / "tests" / f"test_zz_skip_probe_{os.getpid()}.py"
    probe.write_text('import pytest\n\n\ndef test_probe():\n    pytest.skip("left out")\n')
    try:
        command = [sys.executable, "-m", "pytest", str(probe), "-p", "no:cacheprovider", "-q", "-n", "0"]
        runs = {
            ci: subprocess.run(
                command, cwd=ROOT, env={**os.environ, "CI": ci}, capture_output=True, text=True, timeout=120
            )
            for ci in ("true", "")
        }
    finally:
        probe.unlink()
    assert runs["true"].returncode == 1 and "CI must not skip" in runs["true"].stdout, runs["true"].stdout
    assert runs[""].returncode == 0 and "1 skipped" in runs[""].stdout, runs[""].stdout
