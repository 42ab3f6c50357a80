"""The proxy's exchange record: one field a column of the log's table, the defaults a request
that got nothing further is logged as."""

from __future__ import annotations

from golive.guard.proxy import Exchange
from golive.store.models import ProxyExchangeRecord


def test_the_record_has_one_field_a_column_of_the_log() -> None:
    columns = {c.name for c in ProxyExchangeRecord.__table__.columns} - {"id"}
    assert set(Exchange().row()) == columns


def test_a_fresh_record_is_a_refused_request_that_ran_no_guard() -> None:
    row = Exchange().row()
    assert row["path"] == "/v1/chat/completions" and row["status"] == 400
    assert (row["input_action"], row["output_action"]) == ("allow", "allow")
    assert row["decisions_json"] == [] and row["input_text"] is row["output_text"] is None
    assert Exchange().decisions_json is not Exchange().decisions_json  # never shared
