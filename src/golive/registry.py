"""One registry for every extension kind: targets, scorers, reporters (and later mutators,
load profiles, guards).

A component is a class or factory decorated with ``@target``, ``@scorer``… and given a
pydantic args model whose ``kind`` field names it, so a whole run is one validated document.
Built-ins register exactly the way third-party plugins do; plugins are modules named in the
``golive`` entry-point group and are imported on the first lookup.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from golive._validation import config_error_from, suggest
from golive.errors import RegistryError

__all__ = [
    "ComponentArgs",
    "Kind",
    "Registration",
    "Registry",
    "guard",
    "mutator",
    "profile",
    "registry",
    "reporter",
    "scorer",
    "target",
]

Kind = Literal["target", "scorer", "reporter", "mutator", "profile", "guard"]
T = TypeVar("T")

# Modules whose import registers the built-ins, by kind (pytest's default_plugins).
_BUILTINS: dict[str, tuple[str, ...]] = {
    "target": (
        "golive.targets.openai",
        "golive.targets.http",
        "golive.targets.python",
        "golive.targets.demo",
    ),
    "scorer": (
        "golive.scoring.match",
        "golive.scoring.structure",
        "golive.scoring.refusal",
        "golive.scoring.language",
        "golive.scoring.semantic",
        "golive.scoring.consistency",
        "golive.scoring.leaks",
    ),
    "reporter": (
        "golive.reports.terminal",
        "golive.reports.json",
        "golive.reports.html",
        "golive.reports.junit",
        "golive.reports.markdown",
    ),
    "mutator": (
        "golive.diversity.noise",
        "golive.diversity.register",
        "golive.diversity.language",
        "golive.diversity.format",
        "golive.diversity.adversarial",
        "golive.diversity.generated",
    ),
    "profile": ("golive.load.profiles", "golive.load.sweep", "golive.load.coldstart"),
    "guard": (
        "golive.guard.pii",
        "golive.guard.injection",
        "golive.guard.validation",
        "golive.guard.output",
    ),
}


class ComponentArgs(BaseModel):
    """Base of every component's args model. Subclasses narrow ``kind`` to a Literal."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str


@dataclass(frozen=True)
class Registration:
    kind: Kind
    name: str
    factory: Callable[..., Any]
    args_model: type[ComponentArgs]
    description: str


class Registry:
    def __init__(self) -> None:
        self._items: dict[str, dict[str, Registration]] = {k: {} for k in _BUILTINS}
        self._loaded: set[str] = set()

    def register(self, registration: Registration) -> None:
        self._items[registration.kind][registration.name] = registration

    def _load(self, kind: Kind) -> None:
        if kind in self._loaded:
            return
        self._loaded.add(kind)
        for module in _BUILTINS[kind]:
            importlib.import_module(module)
        for ep in entry_points(group="golive"):
            try:
                ep.load()
            except Exception as exc:  # a broken plugin must say which one
                raise RegistryError(
                    f"plugin {ep.name!r} ({ep.value}) failed to load: {exc}"
                ) from exc

    def names(self, kind: Kind) -> list[str]:
        self._load(kind)
        return sorted(self._items[kind])

    def get(self, kind: Kind, name: str) -> Registration:
        self._load(kind)
        try:
            return self._items[kind][name]
        except KeyError:
            known = self.names(kind)
            raise RegistryError(
                f"unknown {kind} {name!r}.{suggest(name, known)} Known: {', '.join(known)}."
            ) from None

    def parse(self, kind: Kind, spec: dict[str, Any], *, field: str) -> ComponentArgs:
        """Validate ``spec`` (a dict with ``kind``) against its args model."""
        name = spec.get("kind")
        if not isinstance(name, str):
            raise RegistryError(
                f"needs a 'kind' naming the {kind}; one of: {', '.join(self.names(kind))}.",
                field=f"{field}.kind",
            )
        try:
            reg = self.get(kind, name)
        except RegistryError as exc:
            raise RegistryError(str(exc), field=f"{field}.kind") from None
        try:
            return reg.args_model.model_validate(spec)
        except ValidationError as exc:
            raise config_error_from(exc, prefix=field, model=reg.args_model) from None

    def build(self, kind: Kind, args: ComponentArgs) -> Any:
        return self.get(kind, args.kind).factory(args)


registry = Registry()


def _decorator(kind: Kind, name: str, args: type[ComponentArgs]) -> Callable[[T], T]:
    def wrap(factory: T) -> T:
        doc = (getattr(factory, "__doc__", None) or "").strip().splitlines()
        registry.register(
            Registration(kind, name, factory, args, doc[0] if doc else "")  # type: ignore[arg-type]
        )
        return factory

    return wrap


def target(name: str, args: type[ComponentArgs]) -> Callable[[T], T]:
    """Register a target: a class taking its args model, implementing ``Target``."""
    return _decorator("target", name, args)


def scorer(name: str, args: type[ComponentArgs]) -> Callable[[T], T]:
    """Register a scorer: a factory taking its args model, returning a ``Scorer``."""
    return _decorator("scorer", name, args)


def reporter(name: str, args: type[ComponentArgs]) -> Callable[[T], T]:
    """Register a reporter: a factory taking its args model, returning a ``Reporter``."""
    return _decorator("reporter", name, args)


def guard(name: str, args: type[ComponentArgs]) -> Callable[[T], T]:
    """Register a guard (input or output guardrail)."""
    return _decorator("guard", name, args)


# Names that are namespaces of the robustness metrics (robustness.family.…, …).
RESERVED_MUTATOR_NAMES = frozenset(
    {"family", "capability", "worst", "variants", "canonical", "amplification"}
)


def mutator(name: str, args: type[ComponentArgs]) -> Callable[[T], T]:
    """Register an input mutator (used by the input-diversity stage)."""
    if name in RESERVED_MUTATOR_NAMES:
        raise RegistryError(f"mutator name {name!r} is reserved for robustness metrics")
    return _decorator("mutator", name, args)


def profile(name: str, args: type[ComponentArgs]) -> Callable[[T], T]:
    """Register a load profile (used by the load engine)."""
    return _decorator("profile", name, args)
