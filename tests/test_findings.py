"""The findings as codes: the Arrow table ``hpr check`` writes, the pandas frame the library
returns and the summary are three views of the same codes and must agree value for value."""

import datetime as dt

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hpr_rules.engines import evaluate_findings
from hpr_rules.findings import summarize
from hpr_rules.records import validate_frame
from hpr_rules.records.readers import read_table


@pytest.fixture(scope="module")
def dirty(tmp_path_factory):
    from hpr_rules.records.dirty import make_dirty_file
    path = tmp_path_factory.mktemp("findings") / "dirty.csv"
    make_dirty_file(path, 400, 3)
    return validate_frame(read_table(path), source=str(path))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(day=st.dates(dt.date(2025, 6, 1), dt.date(2034, 12, 31)), only=st.sampled_from([None, 1, 2]))
def test_arrow_table_pandas_frame_and_summary_agree(book, dirty, day, only):
    rules = None if only is None else book.ids()[:only]
    f = evaluate_findings(dirty, book, day, rules=rules)
    frame = f.to_pandas()
    table = f.to_arrow()
    assert table.column_names == list(frame.columns)
    # the table is what pandas would make of the frame: same types, same values, nulls where empty
    expect = pa.Table.from_pandas(frame, preserve_index=False)
    for i, field in enumerate(expect.schema):  # no value at all: still a text column (pandas can't tell)
        if pa.types.is_dictionary(field.type) and pa.types.is_null(field.type.value_type):
            expect = expect.set_column(i, field.name, expect.column(i).cast(pa.dictionary(pa.int8(), pa.string())))
    assert table.schema.remove_metadata() == expect.schema.remove_metadata()
    assert table.equals(expect)
    # read back by pandas, the table gives the frame again (categoricals, nullable Int64)
    pd.testing.assert_frame_equal(table.to_pandas(), frame, check_categorical=False)
    pd.testing.assert_frame_equal(summarize(f), summarize(frame), check_dtype=False)
    assert len(f) == dirty.rows_read * len(rules or book.ids())
    assert (frame["status"] == "invalid").sum() == len(dirty.rejected_rows) * len(rules or book.ids())


def test_empty_findings(book):
    from conftest import frame, record
    f = evaluate_findings(frame(record()).iloc[0:0], book, dt.date(2027, 3, 1))
    assert len(f.to_arrow()) == 0 and f.to_pandas().empty and f.summary().empty
