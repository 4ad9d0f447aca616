"""A CSV line that cannot be split is rejected with the employee_id it holds, when the line
says it without a guess: the fields before its first fault (an unbalanced quote, text after
a closing quote, a NUL or a byte the encoding lacks). A line with another number of fields,
a fault in the id itself, or a line an unclosed quote above it may reach keeps no id."""

import io

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, run_cli
from hpr_rules.records import generate_population, load_records, open_source, validate_frame
from hpr_rules.records.readers import LINE_ERROR, LINE_NUMBER, to_canonical_text

DAY = "2027-03-01"


def _lines(n=30, sep=","):
    t = to_canonical_text(generate_population(n, seed=1))
    return t.to_csv(index=False, sep=sep, lineterminator="\n").split("\n")


def _write(tmp_path, lines, name="export.csv", encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes("\n".join(lines).encode(encoding, "surrogateescape"))
    return p


def _ids(p, **kw):
    """row -> employee_id (None: not known) of the rejected rows, read whole."""
    rej = load_records(p, **kw).rejected_rows
    return {int(r): (e if isinstance(e, str) and e else None) for r, e in zip(rej["row"], rej["employee_id"])}


def _first_field(line, sep=","):
    return line.split(sep, 1)[0]


def test_the_fields_before_the_fault_give_the_id(tmp_path):
    lines = _lines()
    lines[3] = lines[3].replace(",", ',"', 3)  # a field opened by a quote that closes too early
    lines[6] = lines[6].replace("DSB", "D\x00SB", 1)  # a NUL in the unit
    lines[9] = lines[9].rsplit(",", 2)[0] + ',"vast'  # an unbalanced quote in the last field
    p = _write(tmp_path, lines)
    got = _ids(p)
    assert got == {3: _first_field(lines[3]), 6: _first_field(lines[6]), 9: _first_field(lines[9])}
    rej = load_records(p).rejects
    assert list(rej["column"]) == ["(line)"] * 3  # still one failure per line: the line itself
    assert "unbalanced quote" in rej["message"].iloc[2]


def test_no_id_when_the_line_cannot_tell_it(tmp_path):
    lines = _lines()
    lines[2] = '"' + lines[2]  # the fault is in the id field itself
    lines[14] = lines[14] + ",extra"  # one field too many: which field gained a delimiter is unknown
    lines[16] = lines[16].rsplit(",", 3)[0]  # fields missing
    lines[18] = lines[18].replace("DSB", "D\x00SB", 1) + ",x"  # damaged and a field too many
    lines[20] = _first_field(lines[20])[:3] + "\x00" + lines[20][3:]  # the NUL inside the id
    p = _write(tmp_path, lines)
    assert _ids(p) == {2: None, 14: None, 16: None, 18: None, 20: None}


def test_a_line_an_unclosed_quote_may_reach_keeps_no_id(tmp_path):
    """Line 5 opens a quoted field that never closes: lines 6.. may hold the rest of it, so a
    faulty line among them is no record of its own that the reader could name."""
    lines = _lines()
    lines[4] = lines[4].replace(",", ',"', 1)  # opens a quote (line 5)
    lines[6] = lines[6].replace(",", ',"x"y', 2)  # text after a closing quote (line 7)
    lines[16] = lines[16].replace(",", ',"x"y', 2)  # the same, beyond the reach (line 17)
    p = _write(tmp_path, lines)
    assert _ids(p) == {4: _first_field(lines[4]), 6: None, 16: _first_field(lines[16])}


def test_quoted_fields_before_the_fault_and_other_delimiters(tmp_path):
    lines = _lines(sep=";")
    cells = lines[5].split(";")
    cells[0] = '"' + cells[0] + '"'  # a quoted id
    cells[5] = '"Belader; "'  # a quoted field holding the delimiter
    cells[9] = '"DSB\x00' + cells[9] + '"'  # a NUL inside a quoted field
    lines[5] = ";".join(cells)
    cells = lines[7].split(";")
    cells[9] = '"DSB\x00' + cells[9]  # the same in a quoted field that never closes: may reach on
    lines[7] = ";".join(cells)
    p = _write(tmp_path, lines)
    assert _ids(p) == {5: _first_field(lines[5], ";").strip('"'), 7: None}


def test_cp1252_byte_in_a_utf8_file_and_a_utf16_lone_surrogate(tmp_path):
    lines = _lines()
    bad = lines[7].replace("DSB", "D\udce9SB", 1)  # a cp1252 é in a file otherwise UTF-8
    p = _write(tmp_path, lines[:7] + [bad] + lines[8:])
    from hpr_rules.records import ColumnMapping
    assert _ids(p, mapping=ColumnMapping(encoding="utf-8")) == {7: _first_field(lines[7])}
    wide = [ln.encode("utf-16-le") for ln in lines]
    wide[11] = wide[11][:30] + "\ud800".encode("utf-16-le", "surrogatepass") + wide[11][30:]
    q = tmp_path / "unicode.txt"
    q.write_bytes(b"\xff\xfe" + "\r\n".encode("utf-16-le").join(wide))
    assert _ids(q) == {11: _first_field(lines[11])}


@pytest.mark.parametrize("size", [1, 3, 7])
def test_chunks_give_the_ids_of_the_whole_file(tmp_path, size):
    lines = _lines()
    lines[3] = lines[3].replace(",", ',"', 3)
    lines[4] = lines[4] + ",extra"
    lines[8] = lines[8].replace("DSB", "D\x00SB", 1)
    p = _write(tmp_path, lines)
    whole = load_records(p).rejects
    parts = [validate_frame(f, source=str(p)).rejects for f in open_source(p).frames(size)]
    chunked = pd.concat([r for r in parts if len(r)], ignore_index=True)
    pd.testing.assert_frame_equal(chunked.astype(object).where(chunked.notna(), None),
                                  whole.astype(object).where(whole.notna(), None))


def test_a_damaged_copy_of_a_record_makes_its_id_a_duplicate(tmp_path):
    """The damaged line names E..8 as plainly as the good one does: the file holds that id
    twice, so both are rejected, as any duplicate is (which of the two is right is not known)."""
    lines = _lines()
    lines.append(lines[8].replace("DSB", "D\x00SB", 1))
    p = _write(tmp_path, lines)
    rej = load_records(p).rejected_rows
    eid = _first_field(lines[8])
    assert list(rej["employee_id"]) == [eid, eid]
    assert f"employee_id {eid} occurs 2 times (rows 8, 31)" == rej["message"].iloc[0]
    assert "NUL character" in rej["message"].iloc[1]
    outs = [run_cli("check", p, "--date", DAY, "--rules", ROOT / "rules", *extra) for extra in ([], ["--chunk-size", "5"])]
    assert outs[0].exit_code == outs[1].exit_code == 0 and outs[0].stdout == outs[1].stdout  # found across chunks
    assert outs[0].stdout.count("occurs 2 times (rows 8, 31)") == 3  # each rule


@pytest.mark.parametrize("chunk", [None, "4"])
def test_check_names_the_employee_of_a_broken_line(tmp_path, chunk):
    lines = _lines()
    lines[3] = lines[3].replace(",", ',"', 3)
    lines[5] = lines[5] + ",extra"
    p = _write(tmp_path, lines)
    r = run_cli("check", p, "--date", DAY, "--rules", ROOT / "rules", *(["--chunk-size", chunk] if chunk else []))
    assert r.exit_code == 0, r.output
    f = pd.read_csv(io.StringIO(r.stdout), keep_default_na=False, dtype=str)
    invalid = f[f["status"] == "invalid"]
    by_id = invalid.groupby("employee_id")["reason"].first()
    assert set(by_id.index) == {_first_field(lines[3]), ""}
    assert "line 4, column" in by_id[_first_field(lines[3])]
    assert by_id[""].startswith("line 6 has 20 fields")


def test_the_rest_of_a_record_broken_by_a_line_break_keeps_no_id(tmp_path):
    """A line break in a field that is not quoted splits a record over two lines: the first
    has too few fields, the second starts with the rest of that field. A fault on the
    second line does not make its first field an id."""
    lines = _lines()
    cells = lines[5].split(",")
    cells[5] = cells[5][:3] + "\n" + cells[5][3:]  # the function title broken
    cells[9] = '"' + cells[9]  # and an unbalanced quote after the break
    lines[5] = ",".join(cells)
    p = _write(tmp_path, lines)
    rs = load_records(p)
    assert rs.rows_read == 31
    rej = rs.rejected_rows
    assert list(rej["row"]) == [5, 6] and rej["employee_id"].isna().all(), rej
    assert rej["message"].iloc[0].startswith("line 6 has 6 fields") and "unbalanced quote" in rej["message"].iloc[1]


FAULTS = ["quote", "nul", "byte", "delimiter", "drop", "newline", "quote_after", "break_quote", "open_break_quote"]


def _fault(raw: bytes, kind: str, j: int) -> bytes:
    """``raw`` (one record) with a fault at byte ``j``. The last two are a line break in a
    field that is not quoted with an unbalanced quote after it (and before it): the rest of
    the record then stands on a line of its own with a fault of its own."""
    simple = {"quote": b'"', "nul": b"\x00", "byte": b"\xff", "delimiter": b",", "newline": b"\n",
              "quote_after": b'"x"y'}
    if kind in ("nul", "byte"):
        return raw[:j] + simple[kind] + raw[j + 1:]
    if kind == "drop":
        return raw[:j] + raw[j + 1:]
    if kind in simple:
        return raw[:j] + simple[kind] + raw[j:]
    head, rest = raw[:j], raw[j:].replace(b",", b',"', 1)
    if kind == "open_break_quote" and b"," in head:
        k = head.index(b",")
        head = head[:k + 1] + b'"' + head[k + 1:]
    return head + b"\n" + rest


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(faults=st.dictionaries(st.integers(0, 39), st.tuples(st.sampled_from(FAULTS), st.floats(0, 1)),
                              min_size=1, max_size=12))
def test_an_id_read_from_a_rejected_line_is_always_its_records_own(tmp_path, faults):
    """A fault in each of some records (see :func:`_fault`): every id the reject table reads
    from a rejected line is the id of the record that begins on that line, never a piece of
    a field or of a record broken over lines."""
    lines = _lines(40)
    header, records = lines[0], lines[1:41]
    ids = [_first_field(r) for r in records]
    out, starts, at = [header.encode()], {}, 2
    for k, rec in enumerate(records):
        raw = rec.encode()
        if k in faults:
            kind, where = faults[k]
            j = max(min(int(where * len(raw)), len(raw) - 1), 1)  # a record begins on its line
            raw = _fault(raw, kind, j)
        starts[at] = ids[k]
        at += raw.count(b"\n") + 1
        out.append(raw)
    p = tmp_path / "fuzz.csv"
    p.write_bytes(b"\n".join(out) + b"\n")
    from hpr_rules.records import ColumnMapping
    raw = open_source(p, ColumnMapping(encoding="utf-8")).read()  # the reader's rows, before validation
    if LINE_ERROR not in raw.columns:
        return
    named = raw[(raw[LINE_ERROR] != "") & (raw["employee_id"] != "")]
    for line, eid in zip(named[LINE_NUMBER], named["employee_id"]):
        assert starts.get(int(line)) == eid, (int(line), eid, starts.get(int(line)))
