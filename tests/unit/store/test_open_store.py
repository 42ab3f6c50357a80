"""open_store: URLs, clear errors with masked passwords, SQLite settings."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from sqlalchemy import text

from golive.errors import StoreError
from golive.store import mask_url, open_store
from golive.store.engine import normalize_url


def test_sqlite_file_and_parent_folder_are_created_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "golive.db"
    with open_store(f"sqlite:///{path}") as store, store.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30_000
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert store.backend == "sqlite"
    assert path.exists()


def test_a_plain_path_is_a_sqlite_file(tmp_path: Path) -> None:
    with open_store(str(tmp_path / "x.db")) as store:
        assert store.backend == "sqlite"
    assert (tmp_path / "x.db").exists()


def test_default_url_is_the_project_file() -> None:
    assert normalize_url(None).render_as_string() == "sqlite:///.golive/golive.db"


def test_postgres_urls_use_psycopg3() -> None:
    assert normalize_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("postgresql://u@h/db").drivername == "postgresql+psycopg"


def test_mask_url_hides_passwords() -> None:
    assert mask_url("postgresql+psycopg://bob:hunter2@db/x") == "postgresql+psycopg://bob:***@db/x"
    assert "hunter2" not in mask_url(normalize_url("postgresql://bob:hunter2@db/x"))


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # nothing listens once the socket is closed


def test_unreachable_postgres_is_one_clear_error_without_the_password() -> None:
    url = f"postgresql+psycopg://bob:hunter2@127.0.0.1:{_closed_port()}/golive"
    with pytest.raises(StoreError) as caught:
        open_store(url)
    message = str(caught.value)
    assert "hunter2" not in message
    assert "postgresql+psycopg://bob:***@127.0.0.1" in message
    assert "check that the database is running" in message
    assert "\n" not in message
    assert caught.value.exit_code == 4  # a store that cannot be opened is configuration


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mysql://bob:hunter2@db/x", "unsupported database"),
        ("postgresql://bob:hunter2@[broken", "cannot open the results store"),
        ("sqlite:////proc/no-such-dir/golive.db", "choose a writable path"),
    ],
)
def test_bad_urls_are_store_errors(url: str, expected: str) -> None:
    with pytest.raises(StoreError, match=expected) as caught:
        open_store(url)
    assert "hunter2" not in str(caught.value)


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot open the results store"):
        open_store(str(path))


def test_memory_store_is_shared_with_the_writer_thread() -> None:
    from golive.store import StoreRecorder, list_runs
    from store_fixtures import record_run

    store = open_store("sqlite://")
    with StoreRecorder(store, git=False) as recorder:
        record_run(recorder, "mem-1", n_cases=1)
    assert [r.id for r in list_runs(store)] == ["mem-1"]
    store.dispose()


def test_concurrent_first_opens_migrate_once(store_url: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def open_and_count(_: int) -> list[tuple[str]]:
        with open_store(store_url) as store, store.engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
            return [tuple(row) for row in rows]

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(open_and_count, range(4)))
    assert results == [[("0005",)]] * 4


def test_head_revision_constant_matches_the_migration_scripts() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from golive.store.engine import HEAD_REVISION, MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # open_store skips Alembic when the database is at HEAD_REVISION: a new migration must
    # move the constant too, or it would never run.
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD_REVISION


def test_switching_a_new_file_to_wal_waits_for_a_connection_holding_its_lock(
    tmp_path: Path,
) -> None:
    # SQLite answers "database is locked" at once, without its busy handler, when another
    # connection holds a new file's lock: concurrent first opens failed about 1 in 10.
    import sqlite3
    import threading

    from golive.store.engine import _set_wal

    path = tmp_path / "new.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("CREATE TABLE t (x)")
    refused = threading.Event()

    class Cursor:  # the opener's cursor, telling the test when the lock turned it away
        def __init__(self) -> None:
            opener = sqlite3.connect(path, isolation_level=None, timeout=0, check_same_thread=False)
            self.inner = opener.cursor()

        def execute(self, sql: str) -> None:
            try:
                self.inner.execute(sql)
            except sqlite3.OperationalError:
                refused.set()
                raise

    cursor = Cursor()
    opener = threading.Thread(target=_set_wal, args=(cursor,))
    opener.start()
    assert refused.wait(10), "the lock never turned the opener away"
    holder.execute("COMMIT")  # the lock is free: the opener's next try succeeds
    opener.join(10)
    assert not opener.is_alive()
    assert cursor.inner.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    holder.close()
