import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_settings(
    expression: str = "settings.Q_CLUSTER.get('redis', 'orm')", **environment: str
) -> subprocess.CompletedProcess:
    """Print `expression` from the settings a fresh process loads from `environment`."""
    env = {key: value for key, value in os.environ.items() if key not in ("SECRET_KEY", "DEBUG")}
    env.update(environment, DJANGO_SETTINGS_MODULE="expedite_site.settings")
    return subprocess.run(
        [
            sys.executable,
            "-c",
            f"import django; django.setup(); from django.conf import settings; print({expression})",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = load_settings(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_production_starts_with_a_secret_key():
    result = load_settings(DEBUG="false", SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr


def test_broker_is_the_database_unless_redis_is_configured():
    assert load_settings(REDIS_URL="").stdout.strip() == "orm"
    redis = load_settings(REDIS_URL="redis://127.0.0.1:6379/3").stdout.strip()
    assert redis == "redis://127.0.0.1:6379/3"


def test_postgresql_binds_parameters_on_the_server_and_prepares_statements():
    options = "sorted(settings.DATABASES['default'].get('OPTIONS', {}).items())"
    postgres = "postgres://postgres@127.0.0.1:5432/expedite"
    default = load_settings(options, DATABASE_URL=postgres)
    assert default.stdout.strip() == "[('prepare_threshold', 5), ('server_side_binding', True)]"
    pooled = load_settings(options, DATABASE_URL=postgres, PG_PREPARED_STATEMENTS="false")
    assert pooled.stdout.strip() == "[('server_side_binding', True)]"
    sqlite = load_settings(options, DATABASE_URL="sqlite:////tmp/expedite.sqlite3")
    assert "server_side_binding" not in sqlite.stdout


def test_only_development_answers_to_the_test_client_host():
    expression = "'testserver' in settings.ALLOWED_HOSTS"
    production = load_settings(expression, DEBUG="false", SECRET_KEY="x" * 50, ALLOWED_HOSTS="")
    assert production.stdout.strip() == "False", production.stderr
    assert load_settings(expression, DEBUG="true").stdout.strip() == "True"
