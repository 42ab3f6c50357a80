"""One registry for every extension kind: targets, scorers, reporters, mutators, load
profiles, guards.

A component is a class or factory decorated with ``@target``, ``@scorer``… and given a
pydantic args model whose ``kind`` field names it, so a whole run is one validated document.
The name is written once: ``@mutator("casing")`` derives ``CasingArgs`` (``kind:
Literal["casing"] = "casing"``) from the kind's base, ``@mutator("typos", args=TyposArgs)``
checks that ``TyposArgs.kind`` is ``Literal["typos"]``. A (kind, name) registers once: a
second factory under it is an error naming both.

Built-ins register exactly the way third-party plugins do, and a lookup imports them all
first (``_BUILTINS``), so no lookup depends on what happened to be imported before; plugins
are modules named in the ``golive`` entry-point group, imported on the first lookup too.
Tests swap a component with ``registry.override(...)``, which restores it on exit.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, Literal, TypeVar, cast, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from golive._validation import config_error_from, suggest
from golive.errors import RegistryError

__all__ = [
    "ComponentArgs",
    "Kind",
    "Registration",
    "Registry",
    "args_model_for",
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

# Modules whose import registers the built-ins, by kind (pytest's default_plugins): every
# module with a decorated component is named here, so that no lookup depends on what happened
# to be imported before (tests/unit/test_registry.py checks the list against the sources).
_BUILTINS: dict[str, tuple[str, ...]] = {
    "target": (
        "golive.targets.openai",
        "golive.targets.http",
        "golive.targets.python",
        "golive.demo.target",
    ),
    "scorer": (
        "golive.scoring.match",
        "golive.scoring.structure",
        "golive.scoring.refusal",
        "golive.scoring.language",
        "golive.scoring.semantic",
        "golive.scoring.consistency",
        "golive.scoring.leaks",
        "golive.scan.scorer",
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
        "golive.diversity._noise_words",
        "golive.diversity.register",
        "golive.diversity.language",
        "golive.diversity.format",
        "golive.diversity._format_docs",
        "golive.diversity._format_pages",
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
    """Base of every component's args model. Subclasses narrow ``kind`` to a Literal (or let
    the decorator do it: see ``args_model_for``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str


# The args base a decorator derives from when it is given none ("module:attribute", imported
# when first needed, so that ``golive.registry`` imports none of the kinds' packages).
_ARGS_BASES: dict[str, str] = {
    "mutator": "golive.diversity.base:MutatorArgs",
    "scorer": "golive.scoring.base:ScorerArgs",
}

# Names that are namespaces of the robustness metrics (robustness.family.…, …).
RESERVED_MUTATOR_NAMES = frozenset(
    {"family", "capability", "worst", "variants", "canonical", "amplification"}
)


def _where(factory: object) -> str:
    """Where a factory was defined, ``module.qualname``: its identity across re-imports."""
    module = getattr(factory, "__module__", None) or "?"
    qualname = getattr(factory, "__qualname__", None) or repr(factory)
    return f"{module}.{qualname}"


def _kind_literal(args: type[ComponentArgs]) -> tuple[Any, ...] | None:
    """The values ``args.kind`` is narrowed to, or None when it is not a Literal."""
    field = args.model_fields.get("kind")
    annotation = field.annotation if field is not None else None
    return get_args(annotation) if get_origin(annotation) is Literal else None


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def args_model_for(
    kind: Kind, name: str, args: type[ComponentArgs] | None, *, module: str | None = None
) -> type[ComponentArgs]:
    """The args model of component ``name``: ``args`` itself when its ``kind`` is already
    ``Literal[name]``, else a model derived from ``args`` (or from the kind's base when None)
    that narrows ``kind`` to ``Literal[name]`` with that default, named like a hand-written one
    (``"run_on"`` → ``RunOnArgs``) and defined in ``module``.

    Raises ``RegistryError`` when ``args.kind`` is narrowed to anything else."""
    if args is None:
        mod, _, attr = _ARGS_BASES.get(kind, f"{__name__}:ComponentArgs").partition(":")
        args = getattr(importlib.import_module(mod), attr)
        assert isinstance(args, type) and issubclass(args, ComponentArgs)
    literal = _kind_literal(args)
    if literal is not None:
        if literal != (name,):
            raise RegistryError(
                f"@{kind}({name!r}) is given {args.__module__}.{args.__qualname__}, whose kind "
                f"is Literal{list(literal)}; it must be Literal[{name!r}] (or leave kind "
                "unnarrowed and the decorator narrows it)"
            )
        return args
    narrowed: Any = Literal[name]
    derived: Any = create_model(
        f"{_camel(name)}Args",
        __base__=args,
        __module__=module or args.__module__,
        kind=(narrowed, name),
    )
    return cast("type[ComponentArgs]", derived)


@dataclass(frozen=True)
class Registration:
    kind: Kind
    name: str
    factory: Callable[..., Any]
    args_model: type[ComponentArgs]
    description: str

    @property
    def where(self) -> str:
        """Where the factory was defined (``module.qualname``), for error messages."""
        return _where(self.factory)


def _check(registration: Registration) -> None:
    kind, name = registration.kind, registration.name
    if kind not in _BUILTINS:
        raise RegistryError(f"unknown extension kind {kind!r}; one of: {', '.join(_BUILTINS)}")
    if kind == "mutator" and name in RESERVED_MUTATOR_NAMES:
        raise RegistryError(f"mutator name {name!r} is reserved for robustness metrics")
    if _kind_literal(registration.args_model) != (name,):
        model = registration.args_model
        raise RegistryError(
            f"{kind} {name!r} ({registration.where}): its args model "
            f"{model.__module__}.{model.__qualname__} must narrow kind to Literal[{name!r}]"
        )


class Registry:
    def __init__(self) -> None:
        self._items: dict[str, dict[str, Registration]] = {k: {} for k in _BUILTINS}
        self._loaded: set[str] = set()

    def register(self, registration: Registration) -> None:
        """Add a component. Registering a (kind, name) that is taken raises ``RegistryError``
        naming both factories, unless it is the same factory again (a module imported twice,
        or reloaded): then the newer one replaces it."""
        _check(registration)
        items = self._items[registration.kind]
        taken = items.get(registration.name)
        if taken is not None and taken.where != registration.where:
            raise RegistryError(
                f"{registration.kind} {registration.name!r} is registered twice: by "
                f"{taken.where} and by {registration.where}"
            )
        items[registration.name] = registration

    @contextmanager
    def override(
        self,
        kind_or_registration: Kind | Registration,
        name: str | None = None,
        factory: Callable[..., Any] | None = None,
        *,
        args: type[ComponentArgs] | None = None,
    ) -> Iterator[Registration]:
        """Replace (or add) one component for the duration of a ``with`` block, then restore
        what was there: the public seam for tests and embedding code.

        ``registry.override(registration)`` or ``registry.override(kind, name, factory,
        args=Model)``; ``args`` is derived from the name as the decorators do when omitted.
        Yields the registration in force."""
        if isinstance(kind_or_registration, Registration):
            registration = kind_or_registration
        else:
            if name is None or factory is None:
                raise TypeError("override(kind, name, factory) needs a name and a factory")
            kind = kind_or_registration
            model = args_model_for(kind, name, args, module=getattr(factory, "__module__", None))
            registration = Registration(kind, name, factory, model, _summary(factory))
        _check(registration)
        self._load(registration.kind)
        items = self._items[registration.kind]
        previous = items.get(registration.name)
        items[registration.name] = registration
        try:
            yield registration
        finally:
            if previous is None:
                items.pop(registration.name, None)
            else:
                items[registration.name] = previous

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


def _summary(factory: object) -> str:
    doc = (getattr(factory, "__doc__", None) or "").strip().splitlines()
    return doc[0] if doc else ""


def _takes_name(kind: Kind, name: str, factory: object) -> bool:
    """Whether ``factory`` is a class whose contract has a ``name`` it leaves unset (the
    decorator sets the registered one). A class that sets its own must set that one."""
    if not isinstance(factory, type):
        return False
    own = vars(factory).get("name")
    if isinstance(own, str) and own != name:
        raise RegistryError(
            f"@{kind}({name!r}) on {_where(factory)}, whose name is {own!r}: the two must agree"
        )
    return own is None and any("name" in inspect.get_annotations(c) for c in factory.__mro__)


def _decorator(kind: Kind, name: str, args: type[ComponentArgs] | None) -> Callable[[T], T]:
    def wrap(factory: T) -> T:
        module = getattr(factory, "__module__", None)
        model = args_model_for(kind, name, args, module=module)
        takes_name = _takes_name(kind, name, factory)
        registry.register(
            Registration(kind, name, factory, model, _summary(factory))  # type: ignore[arg-type]
        )
        if takes_name:
            type.__setattr__(factory, "name", name)
        if model is not args and module in sys.modules:
            # Defined where the component is, as if written there: importable and picklable.
            vars(sys.modules[module]).setdefault(model.__name__, model)
        return factory

    return wrap


def target(name: str, args: type[ComponentArgs] | None = None) -> Callable[[T], T]:
    """Register a target: a class taking its args model, implementing ``Target``.

    ``args``: the args model. Its ``kind`` must be ``Literal[name]``; when it leaves ``kind``
    unnarrowed (or is omitted: ``ComponentArgs``), the decorator derives the model that
    narrows it, so the name is written once. The same holds for every decorator below."""
    return _decorator("target", name, args)


def scorer(name: str, args: type[ComponentArgs] | None = None) -> Callable[[T], T]:
    """Register a scorer: a factory taking its args model, returning a ``Scorer``
    (``args`` defaults to ``ScorerArgs``)."""
    return _decorator("scorer", name, args)


def reporter(name: str, args: type[ComponentArgs] | None = None) -> Callable[[T], T]:
    """Register a reporter: a factory taking its args model, returning a ``Reporter``."""
    return _decorator("reporter", name, args)


def guard(name: str, args: type[ComponentArgs] | None = None) -> Callable[[T], T]:
    """Register a guard (input or output guardrail)."""
    return _decorator("guard", name, args)


def mutator(name: str, args: type[ComponentArgs] | None = None) -> Callable[[T], T]:
    """Register an input mutator (used by the input-diversity stage); ``args`` defaults to
    ``MutatorArgs``, and a class declaring ``name`` gets the registered one."""
    if name in RESERVED_MUTATOR_NAMES:
        raise RegistryError(f"mutator name {name!r} is reserved for robustness metrics")
    return _decorator("mutator", name, args)


def profile(name: str, args: type[ComponentArgs] | None = None) -> Callable[[T], T]:
    """Register a load profile (used by the load engine)."""
    return _decorator("profile", name, args)
