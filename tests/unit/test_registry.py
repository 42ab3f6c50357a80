"""The registry: a (kind, name) registers once, ``kind`` matches the name, the decorators derive
the args model from the name, ``override`` restores what it replaced, and every built-in is
found by a lookup in a fresh interpreter that imported nothing first."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import Field, ValidationError

import golive
from golive.config import plan_from_dict
from golive.diversity.base import MutatorArgs
from golive.errors import ConfigError, RegistryError
from golive.registry import (
    _BUILTINS,
    ComponentArgs,
    Registration,
    args_model_for,
    mutator,
    registry,
)

# Every built-in, by kind: a renamed or vanished one is a change users see in their configs.
BUILTINS: dict[str, list[str]] = {
    "target": ["demo", "http", "openai", "python"],
    "scorer": [
        "consistency", "contains", "exact", "json_schema", "language", "leaks", "length",
        "not_contains", "refusal", "regex", "scan_probe", "semantic",
    ],
    "reporter": ["html", "json", "junit", "markdown", "terminal"],
    "mutator": [
        "angry", "casing", "char_noise", "chatter", "codemix_de", "codemix_es", "codemix_fr",
        "codemix_hi", "codemix_pt", "contractions", "delimiter_confusion", "email_quote",
        "emoji", "empty_input", "encoded", "flattened_table", "fragments", "hinglish",
        "homoglyphs", "homophones", "html_wrap", "indirect_injection", "instruction_override",
        "long_context", "markdown_wrap", "multilingual_injection", "ocr", "paraphrase",
        "payload_splitting", "pdf_artifacts", "persona", "polite", "prompt_extraction",
        "roleplay", "run_on", "signature", "slang", "strip_accents", "tone", "translate",
        "typos", "unicode_normalization", "whitespace_punct", "zero_width",
    ],
    "profile": ["closed", "cold_start", "constant", "gamma", "poisson", "ramp", "sweep", "trace"],
    "guard": ["injection", "language_match", "leak", "output_pii", "pii", "schema", "validate"],
}  # fmt: skip


class _Echo:
    """Echoes (a test component)."""

    name: str

    def __init__(self, args: ComponentArgs) -> None:
        self.args = args


def test_every_builtin_is_found_in_a_fresh_interpreter_that_imported_nothing() -> None:
    # No golive module is imported before the lookups: each kind's lookup must load its own.
    code = textwrap.dedent(
        """
        import json, sys
        from golive.registry import registry
        names = {k: registry.names(k) for k in json.loads(sys.argv[1])}
        for kind, known in names.items():
            for name in known:
                reg = registry.get(kind, name)
                assert reg.args_model.model_fields["kind"].default == name, (kind, name)
        print(json.dumps(names))
        """
    )
    # scan_probe is looked up first, alone: it used to exist only once golive.scan was imported.
    probe = subprocess.run(
        [sys.executable, "-c", "from golive.registry import registry as r; "
         "print(r.get('scorer', 'scan_probe').name)"],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    assert probe.stdout.strip() == "scan_probe"
    out = subprocess.run(
        [sys.executable, "-c", code, json.dumps(list(BUILTINS))],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    assert json.loads(out.stdout) == BUILTINS


def test_every_module_with_a_decorated_component_is_a_builtin_module() -> None:
    # A module missing from _BUILTINS registers only once something else imported it.
    src = Path(golive.__file__).parent
    decorated = re.compile(r"^@(target|scorer|reporter|mutator|profile|guard)\(", re.MULTILINE)
    found: dict[str, set[str]] = {}
    for path in src.rglob("*.py"):
        module = ".".join(("golive", *path.relative_to(src).with_suffix("").parts))
        for kind in decorated.findall(path.read_text(encoding="utf-8")):
            found.setdefault(kind, set()).add(module)
    assert set(found) == set(_BUILTINS)
    for kind, modules in found.items():
        assert modules <= set(_BUILTINS[kind]), (kind, modules - set(_BUILTINS[kind]))


def test_registering_a_taken_name_raises_naming_both_places() -> None:
    registry.names("mutator")
    with pytest.raises(RegistryError) as caught:

        @mutator("typos")
        class Other(_Echo):
            """Another typos."""

    message = str(caught.value)
    assert "registered twice" in message
    assert "golive.diversity.noise.Typos" in message
    assert f"{__name__}." in message and "Other" in message
    assert registry.get("mutator", "typos").factory.__module__ == "golive.diversity.noise"
    assert "TyposArgs" not in globals()  # a refused registration leaves nothing behind


def test_the_same_factory_registered_again_is_not_a_duplicate() -> None:
    # A module imported twice (or reloaded) registers a new object defined at the same place.
    reg = registry.get("scorer", "exact")
    again = Registration("scorer", "exact", reg.factory, reg.args_model, reg.description)
    registry.register(again)
    assert registry.get("scorer", "exact") is again
    registry.register(reg)
    assert registry.get("scorer", "exact") is reg


def test_a_kind_that_does_not_match_the_name_raises_at_decoration() -> None:
    class WrongArgs(MutatorArgs):
        kind: Literal["not_it"] = "not_it"

    with pytest.raises(RegistryError, match=r"Literal\['not_it'\].*Literal\['test_it'\]"):

        @mutator("test_it", args=WrongArgs)
        class It(_Echo):
            pass

    assert "test_it" not in registry.names("mutator")
    with pytest.raises(RegistryError, match="must narrow kind"):
        registry.register(Registration("mutator", "test_it", _Echo, MutatorArgs, ""))
    with pytest.raises(RegistryError, match="name is 'other'"):

        @mutator("test_it")
        class Named(_Echo):
            name = "other"

    assert "test_it" not in registry.names("mutator")


def test_reserved_mutator_names_are_refused() -> None:
    with pytest.raises(RegistryError, match="reserved"):
        mutator("family")


def test_the_args_model_is_derived_from_the_name() -> None:
    model = args_model_for("mutator", "test_loud_voice", None)
    assert model.__name__ == "TestLoudVoiceArgs"
    assert issubclass(model, MutatorArgs)
    assert model().kind == "test_loud_voice"
    assert model(rate=0.5).rate == 0.5
    with pytest.raises(ValidationError):
        model(kind="typos")
    with pytest.raises(ValidationError):
        model(unknown=1)

    class Shared(MutatorArgs):
        """Options shared by a family."""

        depth: int = Field(default=2, description="How deep.")

    derived = args_model_for("mutator", "test_deep", Shared)
    assert issubclass(derived, Shared) and derived.__name__ == "TestDeepArgs"
    assert derived(depth=3).model_dump() == {
        "kind": "test_deep", "rate": 0.1, "seed": None, "depth": 3
    }  # fmt: skip
    assert args_model_for("scorer", "test_s", None).model_fields.keys() >= {"kind", "mode"}


def test_override_replaces_then_restores() -> None:
    original = registry.get("mutator", "typos")
    with registry.override("mutator", "typos", _Echo) as reg:
        assert registry.get("mutator", "typos") is reg
        built = registry.build("mutator", registry.parse("mutator", {"kind": "typos"}, field="m"))
        assert isinstance(built, _Echo)
        assert reg.description == "Echoes (a test component)."
        with pytest.raises(ConfigError, match="Allowed fields: kind, rate, seed"):
            registry.parse("mutator", {"kind": "typos", "nope": 1}, field="m")
    assert registry.get("mutator", "typos") is original

    new = Registration("scorer", "test_new", _Echo, args_model_for("scorer", "test_new", None), "")
    with pytest.raises(KeyError), registry.override(new):
        assert "test_new" in registry.names("scorer")
        raise KeyError("restored even when the block raises")
    assert "test_new" not in registry.names("scorer")


def test_the_decorator_registers_a_component_written_with_its_name_once() -> None:
    # In a fresh interpreter, as a plugin module would: the registration stays for its life.
    code = textwrap.dedent(
        """
        import json, pickle
        from golive.diversity.base import Mutation, MutatorBase, MutatorArgs
        from golive.registry import registry, mutator, scorer

        @scorer("test_once")
        def once(args):
            \"\"\"Scores once.\"\"\"
            return args

        @mutator("test_shout")
        class Shout(MutatorBase[MutatorArgs]):
            family = "noise"
            description = example = "LOUD"

            def mutate(self, text, rng):
                return Mutation(text.upper())

        reg = registry.get("scorer", "test_once")
        parsed = registry.parse("scorer", {"kind": "test_once", "mode": None}, field="s")
        spec = registry.parse("mutator", {"kind": "test_shout"}, field="m")
        shout = registry.build("mutator", spec)
        print(json.dumps({
            "model": reg.args_model.__name__,
            "bound": TestOnceArgs is reg.args_model,
            "pickles": pickle.loads(pickle.dumps(parsed)) == parsed,
            "built": registry.build("scorer", parsed) is parsed,
            "description": reg.description,
            "name": Shout.name,
            "shout": [shout.mutate("hi", None).text, shout.args.rate, Shout().args.kind],
        }))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(out.stdout) == {
        "model": "TestOnceArgs",
        "bound": True,
        "pickles": True,
        "built": True,
        "description": "Scores once.",
        "name": "test_shout",
        "shout": ["HI", 0.1, "test_shout"],
    }


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ({"target": {"kind": "demo"}, "scorers": [{"kind": "exact", "value": "x"}]}, None),
        (
            {
                "target": {"kind": "demo"},
                "diversity": {"mutators": ["typos", {"kind": "codemix_es", "rate": 0.3}]},
            },
            None,
        ),
        ({"target": "demo", "scorers": [{"kind": "exactly"}]}, "unknown scorer 'exactly'.*exact"),
        ({"target": "demo", "scorers": [{"kind": "regex"}]}, r"scorers\[0\]\.pattern"),
        ({"target": {"kind": "nope"}}, "unknown target 'nope'"),
        ({"target": "demo", "reporters": ["htm"]}, "unknown reporter 'htm'.*html"),
        ({"target": {"kind": "openai", "model": "m"}}, "url"),
    ],
)
def test_config_validation_of_builtins_is_unchanged(
    spec: dict[str, Any], error: str | None
) -> None:
    if error is None:
        plan = plan_from_dict(spec)
        assert plan.target.kind == "demo"
    else:
        with pytest.raises(ConfigError, match=error):
            plan_from_dict(spec)
