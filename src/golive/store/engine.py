"""Open the results store: check the URL, connect, and bring the schema to the latest version.

SQLite (the default, a file under ``.golive/``) runs in WAL mode with a busy timeout so a
recorder can write while ``golive runs`` reads; PostgreSQL is used when the URL says so.
Migrations run programmatically on every open, under a lock, and are a no-op when current.
"""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.util import CommandError
from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from golive.defaults import DEFAULT_STORE
from golive.errors import StoreOpenError

__all__ = ["DEFAULT_STORE", "HEAD_REVISION", "Store", "mask_url", "normalize_url", "open_store"]

HEAD_REVISION = "0005"  # the newest file in migrations/versions; a test keeps them in step
BUSY_TIMEOUT_MS = 30_000
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Any constant shared by every golive process: serialises concurrent first opens on PostgreSQL.
_PG_MIGRATION_LOCK_KEY = 0x601_1FE
_FIX = f"check that the database is running and the URL is right, or use --store {DEFAULT_STORE}"


class Store:
    """An open store: the engine plus what the rest of golive needs to know about it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def backend(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    @property
    def url(self) -> str:
        """The URL with any password masked: safe to print."""
        return mask_url(self.engine.url)

    def dispose(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.dispose()

    def __repr__(self) -> str:
        return f"Store({self.url!r})"


def mask_url(url: str | URL) -> str:
    """``url`` with its password replaced by ``***``, parseable or not."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def normalize_url(url: str | None) -> URL:
    """The SQLAlchemy URL for ``url``: None is the default store, a plain path is a SQLite
    file, ``postgres://``/``postgresql://`` use psycopg 3 (the driver golive installs)."""
    raw = (url or DEFAULT_STORE).strip()
    if "://" not in raw:
        raw = f"sqlite:///{raw}"
    try:
        parsed = make_url(raw)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise StoreOpenError(
            f"the store URL {mask_url(raw)!r} is not a database URL; use one like "
            f"{DEFAULT_STORE} or postgresql+psycopg://user:password@host/dbname"
        ) from None
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreOpenError(
            f"the store URL {mask_url(parsed)!r} names an unsupported database; golive stores "
            f"results in SQLite ({DEFAULT_STORE}) or PostgreSQL (postgresql+psycopg://…)"
        )
    return parsed


def open_store(url: str | None = None, *, migrate: bool = True) -> Store:
    """Open (creating and migrating when needed) the store at ``url``.

    Raises:
        StoreOpenError: the URL is invalid or the database cannot be reached or migrated; the
            message names the URL (password masked) and the fix.
    """
    parsed = normalize_url(url)
    masked = mask_url(parsed)
    try:
        engine = _create_engine(parsed)
    except NoSuchModuleError:
        raise StoreOpenError(f"no driver for the store {masked}; {_FIX}") from None
    except ModuleNotFoundError as exc:
        raise StoreOpenError(
            f"the store {masked} needs the Python package {exc.name!r}; install it with "
            "`pip install 'golive[postgres]'`"
        ) from None
    except OSError as exc:
        raise StoreOpenError(
            f"cannot create the store {masked} ({exc.strerror}); choose a writable path with "
            "--store sqlite:///path/to/golive.db"
        ) from None
    if migrate:
        try:
            _migrate(engine)
        except DBAPIError as exc:
            engine.dispose()
            reason = _first_line(exc.orig if exc.orig is not None else exc, parsed.password)
            raise StoreOpenError(
                f"cannot open the results store {masked} ({reason}); {_FIX}"
            ) from None
        except CommandError as exc:
            engine.dispose()
            raise StoreOpenError(
                f"the store {masked} has a schema this golive does not know ({exc}); upgrade "
                "golive or use another --store"
            ) from None
    return Store(engine)


def _create_engine(url: URL) -> Engine:
    if url.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5})
    database = url.database or ""
    memory = database in ("", ":memory:") or "mode=memory" in str(url.query)
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
    if memory:
        from sqlalchemy.pool import StaticPool

        # One shared connection, or the recorder thread would see an empty database.
        kwargs["poolclass"] = StaticPool
    else:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **kwargs)
    _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # SQLAlchemy's pysqlite recipe: let SQLAlchemy emit BEGIN itself so transactional DDL
        # and BEGIN IMMEDIATE work; the driver's own implicit transactions get neither right.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        _set_wal(cursor)
        # In WAL mode NORMAL survives a killed process (not a power cut) without an fsync per
        # commit, which is what lets the recorder commit every observation.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "")
        connection.exec_driver_sql(f"BEGIN {mode}".strip())


def _set_wal(cursor: Any) -> None:
    """Switch the file to WAL, waiting out a connection that holds its lock.

    Switching a new file needs it exclusively, and SQLite answers "database is locked" at once
    instead of calling the busy handler: several processes (or threads) opening a new store
    together failed about one time in ten. Retried here, as the busy handler would, up to the
    busy timeout.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    pause = 0.001
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


def _migrate(engine: Engine) -> None:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            # IMMEDIATE takes the write lock first: two processes opening a new file at once
            # take turns instead of both creating the tables.
            connection.execution_options(sqlite_begin="IMMEDIATE")
        with connection.begin():
            if engine.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK_KEY}
                )
            current = MigrationContext.configure(connection).get_current_revision()
            if current == HEAD_REVISION:
                return
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
            config.attributes["connection"] = connection
            command.upgrade(config, "head")


def _first_line(exc: BaseException, password: str | None) -> str:
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    reason = lines[0] if lines else type(exc).__name__
    if password:
        reason = reason.replace(password, "***")
    return reason[:300].rstrip(".")
