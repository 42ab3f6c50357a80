"""The ``demo`` target: starts the bundled demo application and talks to it like ``openai``.

The server runs on a free loopback port for the target's lifetime, so ``golive demo`` needs
nothing but golive itself: in this process by default, or with ``process: true`` in a child
process (``python -m golive mock-server``), so that a load test measures the server and not
golive's own event loop serving it. The child runs in its own process group, killed on close.
It lives with the demo application it starts, above ``golive.targets``; the registry imports
it with the other built-in targets.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from golive.errors import ConfigError, TargetSetupError
from golive.registry import ComponentArgs, target
from golive.targets.openai import OpenAIArgs, OpenAITarget

if TYPE_CHECKING:
    from golive._launch import Launched
    from golive.demo import DemoServer, DemoSettings

__all__ = ["DemoArgs", "DemoTarget", "mock_server_argv"]

# Placeholder until start() knows the port; never used to send anything.
_UNSTARTED = "http://127.0.0.1:0/v1"
# Python startup, imports and binding take about a second on a slow machine; this is ample.
_PROCESS_START_TIMEOUT_S = 60.0


class DemoArgs(ComponentArgs):
    """The bundled demo application."""

    kind: Literal["demo"] = "demo"
    seed: int = Field(default=0, description="Seeds the demo model's behaviour.")
    hardened: bool = Field(
        default=False, description="Run the demo with its guardrails on (fewer findings)."
    )
    settings: dict[str, Any] = Field(
        default_factory=dict,
        description="Further demo settings (cold start, speed knobs), passed to DemoSettings.",
    )
    process: bool = Field(
        default=False,
        description="Run the demo server in its own process (load tests do, so that the "
        "measurement excludes the server's CPU).",
    )

    def in_own_process(self) -> DemoArgs:
        """These args with ``process: true`` (``targets.base.OwnProcess``: what load tests run)."""
        return self if self.process else self.model_copy(update={"process": True})


def mock_server_argv(settings: DemoSettings) -> list[str]:
    """``python -m golive mock-server`` with every setting as its flag (port 0: a free one)."""
    argv = [sys.executable, "-m", "golive", "mock-server"]
    for name, value in settings.model_dump().items():
        flag = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            argv.append(flag if value else "--no-" + flag.removeprefix("--"))
        else:
            argv += [flag, str(value)]
    return argv


@target("demo", args=DemoArgs)
class DemoTarget(OpenAITarget):
    """The bundled demo application, started and stopped by golive."""

    def __init__(self, args: DemoArgs) -> None:
        super().__init__(OpenAIArgs(url=_UNSTARTED, model="demo"))
        self.demo_args = args
        self._server: DemoServer | None = None
        self._process: Launched | None = None

    @property
    def server_pid(self) -> int | None:
        """The demo server's process id while it runs in its own process."""
        return self._process.pid if self._process is not None else None

    def _settings(self) -> DemoSettings:
        from golive.demo import DemoSettings

        try:
            return DemoSettings(
                seed=self.demo_args.seed,
                hardened=self.demo_args.hardened,
                **self.demo_args.settings,
            )
        except (TypeError, ValueError) as exc:  # pydantic's ValidationError is a ValueError
            raise ConfigError(f"invalid demo settings: {exc}", field="target.settings") from exc

    async def _start_process(self, settings: DemoSettings) -> str:
        from golive._launch import launch

        # Always a free port: a fixed one would collide with a second instance (cold start).
        argv = mock_server_argv(settings.model_copy(update={"port": 0}))
        try:
            launched = await launch(argv)
        except OSError as exc:
            raise TargetSetupError(f"the demo server process failed to start: {exc}") from exc
        printed = await launched.wait_url(_PROCESS_START_TIMEOUT_S)
        if printed is None:
            code = launched.proc.returncode
            await launched.kill()
            why = f"exited with code {code}" if code is not None else "printed no URL in time"
            raise TargetSetupError(f"the demo server process {why}")
        self._process = launched
        return printed[0]

    async def _start_here(self, settings: DemoSettings) -> str:
        from golive.demo import DemoServer  # the demo is heavy: load on use

        server = DemoServer(settings)
        try:
            url = await server.start()
        except Exception as exc:
            raise TargetSetupError(f"the demo server failed to start: {exc}") from exc
        self._server = server
        return url

    async def start(self) -> None:
        if self._process is None and self._server is None:
            settings = self._settings()
            start = self._start_process if self.demo_args.process else self._start_here
            self._set_endpoint(await start(settings), settings.model)
        await super().start()

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            server, self._server = self._server, None
            process, self._process = self._process, None
            if server is not None:
                await server.stop()
            if process is not None:
                await process.kill()

    def fingerprint(self) -> dict[str, str]:
        # No URL: the port changes every run, the demo's identity does not.
        return {
            "kind": "demo",
            "model": self._model,
            "seed": str(self.demo_args.seed),
            "hardened": str(self.demo_args.hardened).lower(),
        }
