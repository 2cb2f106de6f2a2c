import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_settings(**environment: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in ("SECRET_KEY", "DEBUG")}
    env.update(environment, DJANGO_SETTINGS_MODULE="expedite_site.settings")
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.Q_CLUSTER.get('redis', 'orm'))",
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
