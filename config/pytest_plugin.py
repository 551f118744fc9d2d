"""Environment for the test run, set before pytest-django loads the settings.

Tests run with production settings (DEBUG off, secure cookies, HSTS), minus
the HTTPS redirect, which would answer every test-client request with a 301.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# Playwright's sync API runs an event loop in the test thread; Django would
# otherwise refuse ORM calls made from such a thread in the same test.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
