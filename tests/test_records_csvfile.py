"""The CSV reader: every physical line accounted for, whole file == chunks (also fuzzed)."""

import datetime as dt
import io

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from hpr_rules.records import csvfile, generate_population, load_records, open_source
from hpr_rules.records.readers import to_canonical_text

DAY = dt.date(2027, 3, 1)


def _csv_bytes(n: int, seed: int = 1, sep: str = ",") -> bytes:
    text = to_canonical_text(generate_population(n, seed))
    return text.to_csv(index=False, sep=sep, lineterminator="\n").encode("utf-8")


def _lines(data: bytes) -> list[bytes]:
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")


def test_unbalanced_quote_rejects_its_line_and_reading_resumes(tmp_path):
    data = _csv_bytes(3000)
    lines = data.split(b"\n")
    lines[1000] = lines[1000].replace(b",", b',"', 1)  # an opening quote that never closes
    p = tmp_path / "s.csv"
    p.write_bytes(b"\n".join(lines))
    rs = load_records(p)
    assert rs.rows_read == 3000 and len(rs.frame) == 2999
    rej = rs.rejected_rows
    assert list(rej["row"]) == [1000]
    assert "line 1001, column" in rej["message"].iloc[0] and "unbalanced quote" in rej["message"].iloc[0]
    assert rs.rejects["value"].iloc[0].startswith(lines[1000][:20].decode())


def test_extra_field_in_first_row_rejects_only_that_row(tmp_path):
    lines = _csv_bytes(200).split(b"\n")
    lines[1] += b",surplus"
    p = tmp_path / "s.csv"
    p.write_bytes(b"\n".join(lines))
    rs = load_records(p)
    assert rs.rows_read == 200 and len(rs.frame) == 199
    assert list(rs.rejected_rows["row"]) == [1]
    width = lines[0].count(b",") + 1
    assert f"line 2 has {width + 1} fields, the header has {width}" in rs.rejected_rows["message"].iloc[0]
    assert rs.frame["employee_id"].str.startswith("E").all()  # no column shifted


def test_every_line_ending_with_a_delimiter_is_read(tmp_path):
    lines = _csv_bytes(50).split(b"\n")
    p = tmp_path / "s.csv"
    p.write_bytes(b"\n".join([lines[0]] + [ln + b";" if False else ln + b"," for ln in lines[1:-1]]) + b"\n")
    rs = load_records(p)
    assert rs.rows_read == 50 and len(rs.frame) == 50, rs.rejects


def test_quoted_field_spanning_lines_and_escaped_quotes(tmp_path):
    p = tmp_path / "s.csv"
    head = ("employee_id;birth_date;hire_date;function_code;function_start_date;salary_scale;"
            "physically_demanding;unit;fte;development_hours_12m;department\n")
    p.write_text(head + 'E1;1980-05-05;2010-01-01;AFV01;2020-03-01;5;ja;DSB-HHO;1;0;"Team ""Noord""\nlocatie 2"\n'
                 "E2;1980-05-05;2010-01-01;AFV01;2020-03-01;5;ja;DSB-HHO;1;0;\n"
                 "\n;;;;;;;;;;\n"
                 "E3;1980-05-05;2010-01-01;AFV01;2020-03-01;5\n", encoding="utf-8")
    src = open_source(p)
    raw = src.read()
    assert raw["department"].tolist()[:2] == ['Team "Noord"\nlocatie 2', ""]
    rs = load_records(p)
    assert rs.rows_read == 3 and len(rs.frame) == 2
    assert "line 7 has 6 fields, the header has 11" in rs.rejected_rows["message"].iloc[0]
    assert "2 empty lines skipped" in src.notes


def test_damaged_bytes_and_nul_reject_their_line(tmp_path):
    lines = _csv_bytes(20).split(b"\n")
    lines[3] = lines[3].replace(b"DSB", b"D\x00SB", 1)
    lines[5] = lines[5].replace(b"DSB", b"D\xffSB", 1)
    p = tmp_path / "s.csv"
    p.write_bytes(b"\n".join(lines))
    rs = load_records(p, _mapping(encoding="utf-8"))
    msgs = dict(zip(rs.rejected_rows["row"], rs.rejected_rows["message"]))
    assert rs.rows_read == 20 and set(msgs) == {3, 5}
    assert "line 4, column" in msgs[3] and "NUL" in msgs[3]
    assert "line 6" in msgs[5] and "byte 0xff is not valid utf-8" in msgs[5]


def _mapping(**kw):
    from hpr_rules.records import ColumnMapping
    return ColumnMapping(**kw)


def test_cp1252_decided_on_the_whole_file_and_bom_with_cp1252(tmp_path):
    text = to_canonical_text(generate_population(3000, 4))
    text.loc[2990, "department"] = "Café Noord"
    raw = text.to_csv(index=False, sep=";", lineterminator="\r\n").encode("cp1252")
    assert raw.index("é".encode("cp1252")) > 65536
    for bom in (b"", b"\xef\xbb\xbf"):
        p = tmp_path / "s.csv"
        p.write_bytes(bom + raw)
        rs = load_records(p)
        assert rs.rows_read == 3000 and len(rs.rejects) == 0
        assert rs.frame.set_index("row").loc[2991, "department"] == "Café Noord"
        assert any("cp1252" in n for n in rs.notes) and any("semicolons" in n for n in rs.notes)


@pytest.mark.parametrize("order", ["utf-16-le", "utf-16-be"])
def test_damaged_utf16_loses_only_its_damaged_lines(tmp_path, monkeypatch, order):
    """A lone surrogate, a byte lost mid-file and a truncated last line: each rejects its own
    line (numbered as in the file), every other line is read; whole file == small blocks."""
    lines = _csv_bytes(3000).decode().split("\n")[:-1]
    raw = [("\ufeff" if i == 0 else "") + ln for i, ln in enumerate(lines)]
    enc = [ln.encode(order) for ln in raw]
    enc[1000] = enc[1000][:10] + ("\ud800".encode(order, "surrogatepass")) + enc[1000][10:]
    enc[2000] = enc[2000][:7] + enc[2000][8:]  # one byte lost: the file is out of step after it
    data = "\r\n".encode(order).join(enc)[:-1]  # no last line break, and the last byte lost
    p = tmp_path / "s.txt"
    p.write_bytes(data)
    for block in (csvfile.BLOCK_BYTES, 4096):
        with monkeypatch.context() as mp:
            mp.setattr(csvfile, "BLOCK_BYTES", block)
            rs = load_records(p)
        assert rs.rows_read == 3000 and len(rs.frame) == 2997
        assert list(rs.rejected_rows["row"]) == [1000, 2000, 3000]
        msgs = list(rs.rejected_rows["message"])
        for m, line in zip(msgs, (1001, 2001, 3001)):
            assert m.startswith(f"line {line}, column ") and f"not valid {order}" in m, m
        assert f"encoding {order} (BOM)" in rs.notes
    assert list(rs.frame["row"].iloc[[998, 999, 1997]]) == [999, 1001, 1999]


def test_utf16_as_asked_for_and_utf32_refused(tmp_path):
    from hpr_rules.errors import InputError
    from hpr_rules.records.mapping import mapping_with
    p = tmp_path / "s.csv"
    p.write_bytes(_csv_bytes(20).decode().encode("utf-16-le"))  # no BOM
    rs = load_records(p, mapping_with(None, encoding="utf-16"))
    assert rs.rows_read == 20 and len(rs.frame) == 20
    assert "encoding utf-16-le (no BOM: little-endian taken)" in rs.notes
    p.write_bytes(_csv_bytes(20).decode().encode("utf-16"))  # a BOM outweighs an 8-bit encoding asked for
    assert len(load_records(p, mapping_with(None, encoding="cp1252")).frame) == 20
    p.write_bytes("a,b\n1,2\n".encode("utf-32"))
    with pytest.raises(InputError, match="UTF-32"):
        load_records(p)


# ---------------------------------------------------------------- fuzzed files

def _base(seed: int) -> bytes:
    return _csv_bytes(40, seed)


def _mutate(data: bytes, kind: str, k: int, rng) -> bytes:
    lines = data.split(b"\n")
    if kind == "flip" and data:
        b = bytearray(data)
        for _ in range(1 + k % 5):
            b[rng.randrange(len(b))] = rng.randrange(256)
        return bytes(b)
    if kind == "truncate":
        return data[:len(data) * (k % 97 + 1) // 100]
    if kind == "bom":
        return b"\xef\xbb\xbf" + data
    if kind == "newlines":
        return b"".join(ln + rng.choice([b"\n", b"\r\n", b"\r"]) for ln in lines[:-1]) + lines[-1]
    if len(lines) < 4:
        return data
    i = 1 + k % (len(lines) - 3)
    if kind == "quote":
        ln = lines[i]
        j = rng.randrange(len(ln) + 1)
        lines[i] = ln[:j] + b'"' + ln[j:]
    elif kind == "nul":
        ln = lines[i]
        j = rng.randrange(len(ln) + 1)
        lines[i] = ln[:j] + b"\x00" + ln[j:]
    elif kind == "wide":
        lines[i] = b",".join([b"x"] * 10_000)
    elif kind == "huge":
        lines[i] = lines[i].replace(b",DSB", b"," + b"y" * 200_000 + b"DSB", 1)
    elif kind == "cp1252":
        lines[-2] = lines[-2].replace(b",DSB", ",Café DSB".encode("cp1252"), 1)
    elif kind == "multiline":
        lines[i] = lines[i].replace(b",DSB", b',"DSB\n', 1)
        lines[i + 1] = lines[i + 1].replace(b",", b'",', 1)
    return b"\n".join(lines)


KINDS = ["flip", "truncate", "quote", "nul", "newlines", "wide", "huge", "bom", "cp1252", "multiline"]


def _stream_findings(p, book, rows, monkeypatch):
    from hpr_rules.scale import check_csv_stream
    out = p.with_name("stream.csv")
    with monkeypatch.context() as mp:
        mp.setattr(csvfile, "BLOCK_BYTES", 4096)  # many blocks: a block edge inside the file
        res = check_csv_stream(p, book, DAY, out, chunk_size=rows)
    return pd.read_csv(out, keep_default_na=False, dtype=str), res


@settings(max_examples=20, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=3), seed=st.integers(1, 3),
       k=st.integers(0, 10_000), rows=st.integers(3, 17), utf16=st.booleans())
def test_fuzzed_files_lose_nothing_and_whole_equals_chunks(tmp_path_factory, monkeypatch, book, kinds, seed, k, rows,
                                                         utf16):
    import random

    from hpr_rules.engines import evaluate
    from hpr_rules.errors import InputError
    from hpr_rules.outputs import table_bytes
    rng = random.Random(k)
    data = _base(seed)
    for kind in kinds:
        data = _mutate(data, kind, k, rng)
    p = tmp_path_factory.mktemp("fuzz") / "f.csv"
    # Excel's "Unicode text": a byte that is not UTF-8 becomes a lone surrogate
    p.write_bytes(b"\xff\xfe" + data.decode("utf-8", "surrogateescape").encode("utf-16-le", "surrogatepass")
                  if utf16 else data)
    try:
        src = open_source(p)
        raw = src.read()
        rs = load_records(p)
    except InputError as exc:  # the header itself was damaged: both modes refuse the file alike
        with pytest.raises(InputError) as again:
            _stream_findings(p, book, rows, monkeypatch)
        assert str(again.value) == str(exc)
        return
    # every physical line after the header is a record, a continuation of one, or empty
    fmt = src._csv
    lines = _lines(data[3:] if fmt.bom and not utf16 else data)
    if lines and lines[-1] == b"":
        lines.pop()
    continuation = sum(raw[c].str.count("\n").sum() for c in fmt.columns)
    assert len(raw) + continuation + fmt.empty_lines == len(lines) - fmt.header_line
    assert rs.rows_read == len(raw) == len(rs.frame) + len(rs.rejected_rows)
    whole = evaluate(rs, book, DAY)
    assert len(whole) == rs.rows_read * len(book.ids())
    want = pd.read_csv(io.BytesIO(table_bytes(whole, "csv")), keep_default_na=False, dtype=str)
    got, res = _stream_findings(p, book, rows, monkeypatch)
    assert res["rows_read"] == rs.rows_read and res["rows_rejected"] == len(rs.rejected_rows)
    pd.testing.assert_frame_equal(got, want)
