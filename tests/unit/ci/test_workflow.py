"""Workflow-command escaping: whatever a model wrote, a command stays one line and its data
cannot end it early, open another command or carry a terminal escape."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from golive.ci.workflow import escape_data, escape_property, stop_commands, workflow_command
from golive.reports._text import clean

COMMAND = re.compile(r"^::(error|warning|notice)( [^:]*)?::([^\r\n]*)$")


def unescape(text: str) -> str:
    for code, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(code, char)
    return text


@given(st.text())
def test_escaped_data_is_one_line_and_round_trips(text: str) -> None:
    escaped = escape_data(text)
    assert "\n" not in escaped and "\r" not in escaped and "\x1b" not in escaped
    assert unescape(escaped) == clean(text)


@given(st.text())
def test_escaped_properties_hold_no_delimiters(text: str) -> None:
    escaped = escape_property(text)
    assert not set(escaped) & {"\n", "\r", ":", ","}
    assert unescape(escaped) == clean(text)


@given(title=st.text(), file=st.text(), message=st.text(), line=st.integers(1, 10**6))
def test_a_command_is_one_well_formed_line(title: str, file: str, message: str, line: int) -> None:
    command = workflow_command("error", message, title=title, file=file, line=line)
    match = COMMAND.match(command)
    assert match is not None, command
    props = dict(p.split("=", 1) for p in match.group(2).strip().split(","))
    assert list(props) == ["title", "file", "line"]
    assert unescape(props["title"]) == clean(title)
    assert unescape(props["file"]) == clean(file)
    assert props["line"] == str(line)
    assert unescape(match.group(3)) == clean(message)


def test_a_hostile_output_cannot_inject_a_command() -> None:
    hostile = "fine\n::error file=x.py,line=1::pwned\r\n::add-mask::secret %0A"
    command = workflow_command("warning", hostile, title="a::b,c")
    assert command.count("\n") == 0 and command.startswith("::warning title=a%3A%3Ab%2Cc::")
    assert "%0A::error file=x.py,line=1::pwned%0D%0A::add-mask::secret %250A" in command


def test_properties_left_out_when_none_and_unknown_ones_refused() -> None:
    assert workflow_command("notice", "hi", file=None) == "::notice::hi"
    with pytest.raises(ValueError, match="unknown"):
        workflow_command("notice", "hi", colour="red")


def test_stop_commands_fences_a_block_with_an_unguessable_token() -> None:
    printed: list[str] = []
    with stop_commands(printed.append) as token:
        printed.append("::error::from a model")
    assert printed == [f"::stop-commands::{token}", "::error::from a model", f"::{token}::"]
    assert re.fullmatch(r"[0-9a-f]{32}", token)
    with stop_commands(printed.append) as other:
        pass
    assert other != token
