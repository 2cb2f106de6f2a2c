"""Test settings: the project's settings with synchronous tasks, fast hashing, locmem mail."""

from expedite_site.settings import *  # noqa: F403
from expedite_site.settings import Q_CLUSTER

# django-q2 reads Q_CLUSTER once at import, so override_settings cannot switch this.
Q_CLUSTER = {**Q_CLUSTER, "sync": True}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files from the finders (no collectstatic before tests), as in development.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# The test client calls itself "testserver", whatever DEBUG the environment sets.
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]  # noqa: F405
