"""The ``demo`` target: starts the bundled demo application and talks to it like ``openai``.

The server runs in this process on a free loopback port for the target's lifetime, so
``golive demo`` needs nothing but golive itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from golive.errors import ConfigError, TargetSetupError
from golive.registry import ComponentArgs, target
from golive.targets.openai import OpenAIArgs, OpenAITarget

if TYPE_CHECKING:
    from golive.demo import DemoServer

__all__ = ["DemoArgs", "DemoTarget"]

# Placeholder until start() knows the port; never used to send anything.
_UNSTARTED = "http://127.0.0.1:0/v1"


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


@target("demo", args=DemoArgs)
class DemoTarget(OpenAITarget):
    """The bundled demo application, started and stopped by golive."""

    def __init__(self, args: DemoArgs) -> None:
        super().__init__(OpenAIArgs(url=_UNSTARTED, model="demo"))
        self.demo_args = args
        self._server: DemoServer | None = None

    async def start(self) -> None:
        from golive.demo import DemoServer, DemoSettings  # the demo is heavy: load on use

        if self._server is None:
            try:
                settings = DemoSettings(
                    seed=self.demo_args.seed,
                    hardened=self.demo_args.hardened,
                    **self.demo_args.settings,
                )
            except (TypeError, ValueError) as exc:  # pydantic's ValidationError is a ValueError
                raise ConfigError(f"invalid demo settings: {exc}", field="target.settings") from exc
            server = DemoServer(settings)
            try:
                url = await server.start()
            except Exception as exc:
                raise TargetSetupError(f"the demo server failed to start: {exc}") from exc
            self._server = server
            self._set_endpoint(url, settings.model)
        await super().start()

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            server, self._server = self._server, None
            if server is not None:
                await server.stop()

    def fingerprint(self) -> dict[str, str]:
        # No URL: the port changes every run, the demo's identity does not.
        return {
            "kind": "demo",
            "model": self._model,
            "seed": str(self.demo_args.seed),
            "hardened": str(self.demo_args.hardened).lower(),
        }
