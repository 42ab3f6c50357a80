"""golive's own errors: one tree, each with one clear message for the user.

    GoliveError                  base; the CLI prints ``str(err)`` and exits with ``exit_code``
    ├── ConfigError              invalid golive.yaml or flag (names the field and the fix)   exit 4
    │   ├── SuiteError           missing or unreadable suite, bad case                       exit 4
    │   └── NoSuchRunError       no stored run matches a reference (latest, branch:NAME, id) exit 4
    ├── RegistryError            unknown or broken extension (target, scorer, …)             exit 4
    ├── NothingToRunError        the suite selected no cases                                 exit 5
    ├── StoreError               the store failed while a command wrote to it                exit 3
    │   └── StoreOpenError       the store URL is invalid or the store cannot be opened      exit 4
    └── TargetSetupError         a target cannot be started (demo server failed to boot)     exit 3

A failure of the *target under test* (reset, 500, malformed stream, stall…) is not an
error: it is a measurement, raised inside a transport as ``TargetFailure`` and recorded
in the Observation by the runner. ``TargetFailure`` never escapes the runner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from golive.failures import FailureMode

__all__ = [
    "ConfigError",
    "GoliveError",
    "NoSuchRunError",
    "NothingToRunError",
    "RegistryError",
    "StoreError",
    "StoreOpenError",
    "SuiteError",
    "TargetFailure",
    "TargetSetupError",
]


class GoliveError(Exception):
    """Base of golive's own errors."""

    exit_code: int = 3


class ConfigError(GoliveError):
    """The configuration or a flag is invalid. The message names the field and the fix."""

    exit_code = 4

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.field = field
        super().__init__(f"{field}: {message}" if field else message)


class SuiteError(ConfigError):
    """The suite file is missing, unreadable or holds an invalid case."""


class NoSuchRunError(ConfigError):
    """No stored run matches a reference (``latest``, ``branch:NAME``, a run id)."""


class RegistryError(ConfigError):
    """An extension name is unknown or its plugin failed to load."""


class NothingToRunError(GoliveError):
    """The suite and filters selected nothing to run."""

    exit_code = 5


class StoreError(GoliveError):
    """The results store cannot be opened or written."""

    exit_code = 3


class StoreOpenError(StoreError):
    """The store URL is invalid, or the store it names cannot be opened: a configuration
    problem found before any work, so exit 4 in every command that takes ``--store``."""

    exit_code = 4


class TargetSetupError(GoliveError):
    """A target golive manages itself (the demo server, a start command) failed to start."""

    exit_code = 3


class TargetFailure(Exception):
    """Raised by a transport when the target misbehaves; the runner records it as data.

    Not a ``GoliveError``: it never reaches the user as an error.
    """

    def __init__(self, mode: FailureMode, message: str, *, status: int | None = None) -> None:
        self.mode = mode
        self.message = message
        self.status = status
        super().__init__(f"{mode.value}: {message}")
