"""SQLite gets WAL, a busy timeout and IMMEDIATE transactions however its file is named."""

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.support import clean_env, run_python

KEY = "sqlite-settings-test-key-0123456789-abcdefghijklmnopqrstuvwxyz"

OPEN_AND_REPORT = """
import json, django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    journal = cursor.fetchone()[0]
    cursor.execute("PRAGMA busy_timeout")
    busy = cursor.fetchone()[0]
print(json.dumps({"name": str(connection.settings_dict["NAME"]), "journal": journal, "busy_ms": busy,
                  "transaction_mode": connection.transaction_mode}))
"""


def open_database(**env: str) -> dict:
    result = run_python(
        OPEN_AND_REPORT, clean_env(DJANGO_SETTINGS_MODULE="config.settings", DJANGO_SECRET_KEY=KEY, **env)
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("how", ["SQLITE_PATH", "DATABASE_URL"])
def test_the_file_opens_in_wal_mode_with_a_busy_timeout_and_immediate_transactions(tmp_path: Path, how: str):
    path = tmp_path / "mapwright.sqlite3"
    env = {"SQLITE_PATH": str(path)} if how == "SQLITE_PATH" else {"DATABASE_URL": f"sqlite:///{path}"}

    opened = open_database(**env)

    assert opened["name"] == str(path)
    assert opened["journal"] == "wal"
    assert opened["busy_ms"] == 20_000
    assert opened["transaction_mode"] == "IMMEDIATE"
    # WAL is a property of the file: every later connection, from any process, finds it on.
    with closing(sqlite3.connect(path)) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
