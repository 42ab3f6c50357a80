"""Files a user names are read only when regular, and never past a size limit."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from golive._files import check_out_dir, iter_lines, open_regular, read_user_text
from golive.errors import ConfigError, SuiteError


def test_devices_links_to_them_fifos_and_folders_are_refused(tmp_path: Path) -> None:
    link = tmp_path / "cases.jsonl"
    link.symlink_to("/dev/zero")
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    for path, kind in [
        (Path("/dev/zero"), "a character device"),
        (link, "a character device"),
        (fifo, "a named pipe"),  # opening it would wait for a writer forever
        (tmp_path, "a directory"),
    ]:
        with pytest.raises(SuiteError) as info:
            open_regular(path, what="suite file", field="suite", error=SuiteError)
        assert kind in str(info.value) and "regular file" in str(info.value)
    with pytest.raises(ConfigError, match="a link to /dev/zero"):
        read_user_text(link, what="config file", field=None)


def test_a_missing_file_is_left_to_the_caller(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_user_text(tmp_path / "nope.yaml", what="config file", field=None)


def test_a_file_past_the_limit_is_refused_after_reading_only_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "golive.yaml"
    path.write_bytes(b"a" * 2049)
    with pytest.raises(ConfigError, match="larger than the limit of 2,048 bytes"):
        read_user_text(path, what="config file", field=None, max_bytes=2048)
    path.write_bytes(b"\xef\xbb\xbfa: 1\n")  # a byte-order mark is dropped
    assert read_user_text(path, what="config file", field=None) == "a: 1\n"


def test_text_that_is_not_utf8_names_the_offset(tmp_path: Path) -> None:
    path = tmp_path / "golive.yaml"
    path.write_bytes(b"a: 1\nb: \xff\n")
    with pytest.raises(ConfigError, match="offset 8"):
        read_user_text(path, what="config file", field=None)


def lines(path: Path, max_line: int, max_total: int) -> list[tuple[int, str]]:
    with open_regular(path, what="suite file", field="suite") as handle:
        return list(
            iter_lines(
                handle,
                max_line_bytes=max_line,
                max_bytes=max_total,
                path=path,
                what="suite file",
                field="suite",
                line_fix="shorten it",
                total_fix="split it",
            )
        )


def test_lines_are_streamed_within_both_limits(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_bytes(b"abc\r\n" + b"x" * 10 + b"\n\nlast")
    assert lines(path, 10, 100) == [(1, "abc"), (2, "x" * 10), (3, ""), (4, "last")]
    with pytest.raises(ConfigError, match=r"cases.jsonl:2: the line is longer .* 9 bytes"):
        lines(path, 9, 100)
    with pytest.raises(ConfigError, match="larger than the limit of 20 bytes; split it"):
        lines(path, 10, 20)


def test_a_huge_line_without_a_newline_is_refused_without_reading_it_all(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_bytes(b"[" * 3_000_000)
    with open_regular(path, what="suite file", field="suite") as handle:
        with pytest.raises(ConfigError, match="longer than the limit"):
            next(
                iter_lines(
                    handle,
                    max_line_bytes=1000,
                    max_bytes=10**9,
                    path=path,
                    what="suite file",
                    field="suite",
                    line_fix="x",
                    total_fix="y",
                )
            )
        assert handle.tell() < 10_000


def test_the_report_folder_may_not_be_or_sit_under_a_file(tmp_path: Path) -> None:
    afile = tmp_path / "report"
    afile.write_text("x")
    assert check_out_dir(tmp_path / "new" / "deeper") is None
    assert check_out_dir(tmp_path) is None
    assert "is an existing file" in (check_out_dir(afile) or "")
    assert "sits under" in (check_out_dir(afile / "sub") or "")
