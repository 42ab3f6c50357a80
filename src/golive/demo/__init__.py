"""The bundled demo application: a flawed support assistant behind an OpenAI-compatible server.

"Nimbus Assist" answers questions about Nimbus Notes (a fictional note-taking SaaS) from a
small knowledge base, served by a simulated inference engine with a cold start, continuous
batching and a queue. Its flaws are deliberate, so that golive has something to find:
lexical retrieval that breaks on typos and other languages, English-only replies, obedience
to injected instructions (leaking the system prompt and its canary), PII echoed back, and
now and then a plausible answer from the wrong article. ``DemoSettings(hardened=True)``
puts the same assistant behind golive.guard (``HARDENED_GUARDS``: the guard.yaml a user
would give ``golive proxy``). The aiohttp server is imported only when it is first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from golive.demo._kb import Article, demo_suite_path, knowledge_base
from golive.demo._responder import CANARY, SYSTEM_PROMPT
from golive.demo._settings import DemoSettings

if TYPE_CHECKING:
    from golive.demo._guarded import HARDENED_GUARDS
    from golive.demo.server import DemoServer, run_demo_server

__all__ = [
    "CANARY",
    "HARDENED_GUARDS",
    "SYSTEM_PROMPT",
    "Article",
    "DemoServer",
    "DemoSettings",
    "demo_suite_path",
    "knowledge_base",
    "run_demo_server",
]

_LAZY = frozenset({"DemoServer", "run_demo_server"})


def __getattr__(name: str) -> Any:
    # The server needs aiohttp and the guards the registry; importing them only on use keeps
    # `golive --help` fast.
    if name == "HARDENED_GUARDS":
        from golive.demo._guarded import HARDENED_GUARDS

        return HARDENED_GUARDS
    if name in _LAZY:
        from golive.demo import server

        return getattr(server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
