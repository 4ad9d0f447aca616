"""Tables beside the personnel records: per-rule dispensations and absence periods (data.md).

A side table is read with the one reader (:func:`hpr_rules.records.read_table`, any
format it reads) and checked row by row like the records: a row that cannot be used is
rejected with its row number, column, value and a message, never dropped silently.

**Dispensations per rule** (``employee_id, rule_id, until, ground``): a dispensation
the employer granted for one rule only, with its ground (for instance the hardship
clause). The rule files read it through two per-rule names of the expression language,
``rule_dispensation_until`` and ``rule_dispensation_ground``; for each rule they are
the columns ``dispensation_<rule_id>_until`` and ``dispensation_<rule_id>_ground`` of
the frame the engines evaluate. Where an employee has several for one rule, the one
that lasts longest counts (it holds whenever any of them holds). The record column
``exemption_until`` keeps its meaning: a dispensation from every rule.

**Absences** (``employee_id, start, end, kind``; ``end`` empty = still going on; kinds
``sick``, ``parental``, ``unpaid``, ``other``): documented absence periods. A row is
rejected when end < start, the kind is unknown, the employee has no accepted record, or
it overlaps an earlier row of the same employee and kind. The rules read them through
``absent_days(from, to, kind, ...)`` (:mod:`hpr_rules.absence`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, did_you_mean
from .schema import DATE_MAX, DATE_MIN, REJECT_COLUMNS

DISPENSATION_COLUMNS = ("employee_id", "rule_id", "until", "ground")

#: per-rule names of the expression language -> (frame column template, type)
RULE_FIELDS = {
    "rule_dispensation_until": ("dispensation_{rule}_until", "date"),
    "rule_dispensation_ground": ("dispensation_{rule}_ground", "string"),
}


def rule_field_column(name: str, rule_id: str) -> str:
    return RULE_FIELDS[name][0].format(rule=rule_id)


def rule_field_type(column: str) -> str | None:
    """The type of a frame column made from a per-rule name (None for any other column)."""
    for template, typ in RULE_FIELDS.values():
        head, tail = template.split("{rule}")
        if column.startswith(head) and column.endswith(tail) and len(column) > len(head) + len(tail):
            return typ
    return None


@dataclass
class SideTable:
    """The accepted rows of a side table (typed) and the rejected ones (REJECT_COLUMNS)."""

    frame: object  # pandas.DataFrame
    rejects: object  # pandas.DataFrame
    source: str
    rows_read: int


def _rejects(rows):
    import pandas as pd
    out = pd.DataFrame(rows, columns=REJECT_COLUMNS)
    # where HR finds the row: the physical CSV line or the sheet row (empty for Parquet and frames)
    out["line"] = pd.array([r.get("line") for r in rows], dtype="Int64")
    return out


def read_side_table(path, columns: dict[str, str], required: set[str], source: str | None = None,
                    mapping=None):
    """Read ``path`` (a file, or a DataFrame) and type its ``columns`` (name -> date |
    string); returns (typed frame with ``row`` and ``line`` columns, mask of the usable rows,
    list of reject dicts).

    A file is read with the one reader, so every row has its ``row`` (records below the
    header) and ``line`` (where HR finds it: the physical CSV line, the sheet row; empty for
    Parquet and frames), and a CSV line that cannot be split is rejected with the reader's
    message. A required column missing from the header is an :class:`InputError`; a
    required cell that is empty or a date that is not ``YYYY-MM-DD`` within 1900..2100
    rejects its row. With the records' ``mapping`` (a :class:`~hpr_rules.records.ColumnMapping`)
    the table is read as the export it came with: the header the mapping renames to
    ``employee_id`` (matched as the mapping matches headers) is the id column, and dates may
    be written in its ``date_format``.
    """
    import numpy as np
    import pandas as pd

    from .readers import LINE_ERROR, LINE_NUMBER, LINE_TEXT, Source, to_canonical_text
    source = source or _name(path)
    if isinstance(path, pd.DataFrame):
        raw = to_canonical_text(path)
        raw["row"] = np.arange(1, len(raw) + 1)
    else:
        raw = Source(path).read()
    raw = raw.reset_index(drop=True)
    id_header = mapping.export_header("employee_id") if mapping else None
    if id_header and "employee_id" not in raw.columns:
        raw = raw.rename(columns=mapping.spelling(list(raw.columns), source, keys=[id_header]))
        if id_header in raw.columns:
            raw = raw.rename(columns={id_header: "employee_id"})
    formats = [f for f in (getattr(mapping, "date_format", None), "%Y-%m-%d") if f]
    written = " or ".join(dict.fromkeys(_human(f) for f in formats))
    missing = [c for c in columns if c not in raw.columns]  # every header; ``required`` is about cells
    if missing:
        c = missing[0]
        shown = [str(h) for h in raw.columns if h not in ("row", LINE_NUMBER, LINE_ERROR, LINE_TEXT)]
        raise InputError(f"required column {c!r} is not in the file"
                         f"{did_you_mean(c, shown)}; columns: {', '.join(columns)}",
                         file=source, key=c)
    n = len(raw)
    rows = raw["row"].to_numpy(dtype=np.int64)
    lines = raw[LINE_NUMBER].to_numpy(dtype=np.int64) if LINE_NUMBER in raw.columns else None
    ok = np.ones(n, dtype=bool)
    rejects = []
    ids = raw["employee_id"].astype("string").str.strip() if "employee_id" in raw.columns else None

    def reject(i, column, value, message):
        eid = None if ids is None or pd.isna(ids.iloc[i]) or not ids.iloc[i] else ids.iloc[i]
        rejects.append({"row": int(rows[i]), "line": None if lines is None else int(lines[i]), "employee_id": eid,
                        "column": column, "value": value, "message": message})

    if LINE_ERROR in raw.columns:  # a line that could not be split: its cells mean nothing
        broken = (raw[LINE_ERROR].astype(str) != "").to_numpy()
        for i in np.flatnonzero(broken):
            reject(i, "(line)", str(raw[LINE_TEXT].iloc[i]), str(raw[LINE_ERROR].iloc[i]))
        ok &= ~broken
    out = {"row": rows, "line": pd.array(lines if lines is not None else [pd.NA] * n, dtype="Int64")}
    for col, typ in columns.items():
        text = raw[col].astype("string").str.strip().replace("", pd.NA)
        empty = text.isna().to_numpy()
        if typ == "date":
            vals = pd.to_datetime(text, format=formats[0], errors="coerce")
            for fmt in formats[1:]:  # the mapping's way of writing dates, else ISO
                vals = vals.fillna(pd.to_datetime(text.where(vals.isna()), format=fmt, errors="coerce"))
            bad = ~empty & (vals.isna().to_numpy() | (vals < pd.Timestamp(DATE_MIN)).to_numpy()
                            | (vals > pd.Timestamp(DATE_MAX)).to_numpy())
            for i in np.flatnonzero(bad & ok):
                reject(i, col, str(text.iloc[i]), f"not a date {written} between {DATE_MIN} and {DATE_MAX}")
            ok &= ~bad
            out[col] = vals.where(~pd.Series(bad, index=vals.index))
        else:
            out[col] = text
        if col in required:
            for i in np.flatnonzero(empty & ok):
                reject(i, col, "", f"{col} is required")
            ok &= ~empty
    frame = pd.DataFrame(out)
    return frame, ok, rejects


def _name(table) -> str:
    """How messages name a side table: its path, or ``<frame>``."""
    return str(table) if isinstance(table, (str, Path)) else "<frame>"


def _human(fmt: str) -> str:
    return fmt.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD").replace("%y", "YY")


def _text(v) -> str:
    return v.date().isoformat() if hasattr(v, "date") and callable(v.date) else str(v)


def _reject_where(frame, ok, mask, column, message, rejects):
    import numpy as np
    import pandas as pd
    for i in np.flatnonzero(mask & ok):
        line = frame["line"].iloc[i]
        rejects.append({"row": int(frame["row"].iloc[i]), "line": None if pd.isna(line) else int(line),
                        "employee_id": frame["employee_id"].iloc[i],
                        "column": column, "value": _text(frame[column].iloc[i]), "message": message(i)})
    return ok & ~mask


def load_dispensations(path, rule_ids, employee_ids=None, source: str | None = None, mapping=None) -> SideTable:
    """Read and check a dispensations table: every rule_id must be a rule of the draft,
    every employee_id (when ``employee_ids`` is given) an accepted record."""
    import numpy as np
    source = source or _name(path)
    frame, ok, rejects = read_side_table(path, {"employee_id": "string", "rule_id": "string", "until": "date",
                                                "ground": "string"}, set(DISPENSATION_COLUMNS), source, mapping)
    known = set(rule_ids)
    rid = frame["rule_id"].fillna("")
    ok = _reject_where(frame, ok, ~rid.isin(known).to_numpy(), "rule_id",
                       lambda i: f"no rule {rid.iloc[i]!r} in the draft"
                                 + did_you_mean(rid.iloc[i], sorted(known), otherwise=f"; rules: {', '.join(sorted(known))}"),
                       rejects)
    if employee_ids is not None:
        ids = set(employee_ids)
        ok = _reject_where(frame, ok, ~frame["employee_id"].fillna("").isin(ids).to_numpy(), "employee_id",
                           lambda i: "no accepted personnel record with this employee_id", rejects)
    rejects.sort(key=lambda r: r["row"])
    return SideTable(frame[np.asarray(ok)].reset_index(drop=True), _rejects(rejects), source, len(frame))


def load_absences(path, employee_ids=None, source: str | None = None, mapping=None) -> SideTable:
    """Read and check an absences table (see the module docstring)."""
    import numpy as np
    import pandas as pd

    from ..absence import KINDS
    source = source or _name(path)
    frame, ok, rejects = read_side_table(path, {"employee_id": "string", "start": "date", "end": "date",
                                                "kind": "string"}, {"employee_id", "start", "kind"}, source,
                                         mapping)
    kind = frame["kind"].fillna("").str.lower()
    frame["kind"] = kind
    ok = _reject_where(frame, ok, ~kind.isin(KINDS).to_numpy(), "kind",
                       lambda i: f"unknown kind {kind.iloc[i]!r}{did_you_mean(kind.iloc[i], KINDS)}; "
                                 f"kinds: {', '.join(KINDS)}", rejects)
    ends_before = (frame["end"].notna() & (frame["end"] < frame["start"])).to_numpy()
    ok = _reject_where(frame, ok, ends_before, "end", lambda i: f"end lies before start {frame['start'].iloc[i].date()}",
                       rejects)
    if employee_ids is not None:
        ids = set(employee_ids)
        ok = _reject_where(frame, ok, ~frame["employee_id"].fillna("").isin(ids).to_numpy(), "employee_id",
                           lambda i: "no accepted personnel record with this employee_id", rejects)
    # overlap within one employee and kind: the later row (in start order) is rejected
    overlap = np.zeros(len(frame), dtype=bool)
    open_end = frame["end"].astype("datetime64[ns]").fillna(pd.Timestamp.max)  # still going on (dates lie in 1900..2100)
    cand = frame[np.asarray(ok)].assign(until_=open_end[np.asarray(ok)]).sort_values(["employee_id", "kind", "start", "row"])
    first_row = {}
    prev_key, prev_end, prev_row = None, None, None
    for idx, r in zip(cand.index, cand.itertuples(index=False)):
        key = (r.employee_id, r.kind)
        if key == prev_key and r.start <= prev_end:
            overlap[idx] = True
            first_row[idx] = prev_row
            continue
        if key != prev_key or r.until_ > prev_end:
            prev_end, prev_row = r.until_, r.row
        prev_key = key
    ok = _reject_where(frame, ok, overlap, "start",
                       lambda i: f"overlaps row {first_row[i]} of the same employee and kind", rejects)
    rejects.sort(key=lambda r: r["row"])
    return SideTable(frame[np.asarray(ok)].reset_index(drop=True), _rejects(rejects), source, len(frame))


def attach_absences(records, absences):
    """The records frame with each record's absences (column :data:`hpr_rules.absence.COLUMN`:
    a tuple of (start, end, kind), day numbers, end open = OPEN_END); a copy. ``absences``:
    a :class:`SideTable`, a frame, or the index :func:`absence_index` makes of one."""
    from ..absence import COLUMN
    out = records.copy()
    by_id = absences if isinstance(absences, dict) else absence_index(absences)
    if not by_id:
        return out
    out[COLUMN] = [by_id.get(e, ()) for e in out["employee_id"]]
    return out


def absence_index(absences) -> dict:
    """employee_id -> that employee's absences as a sorted tuple of (start, end, kind), day
    numbers (of an absences :class:`SideTable` or frame)."""
    import pandas as pd

    from ..absence import OPEN_END
    table = getattr(absences, "frame", absences)
    if table is None or not len(table):
        return {}
    start = pd.to_datetime(table["start"]).to_numpy("datetime64[D]").astype("int64")
    end_ts = pd.to_datetime(table["end"])
    end = end_ts.to_numpy("datetime64[D]").astype("int64")
    end[end_ts.isna().to_numpy()] = OPEN_END
    by_id: dict = {}
    for e, s, t, k in sorted(zip(table["employee_id"], start.tolist(), end.tolist(), table["kind"])):
        by_id.setdefault(e, []).append((s, t, k))
    return {e: tuple(v) for e, v in by_id.items()}


def with_side_tables(records, rule_ids, *, dispensations=None, absences=None, mapping=None):
    """A record set (or frame) with the dispensations and absences files attached.

    Returns (records with the side columns, the loaded :class:`SideTable` objects, whose
    ``rejects`` the caller reports). Rows of a side table must belong to accepted records.
    """
    side = SideTables(list(rule_ids), dispensations, absences, mapping)
    frame = getattr(records, "frame", records)
    tables = side.checked(frame["employee_id"])
    return side.attach(records, tables), tables


@dataclass
class SideTables:
    """The side tables of one run, read once and attached to every part of the records:
    the whole file, each chunk of a stream, each file of a dataset (on any worker).

    A part cannot tell whether an employee has an accepted record in another part, so the
    rows are attached by employee_id as they are (a row of an employee without an accepted
    record is never attached to anything); :meth:`checked` then reads the tables again
    against all accepted ids, which gives the rejected rows of the whole-file path exactly.
    ``mapping``: the records' column mapping (see :func:`read_side_table`).
    """

    rule_ids: list
    #: each a path or a DataFrame (None: not given)
    dispensations: object = None
    absences: object = None
    mapping: object = None

    def __post_init__(self):
        if isinstance(self.mapping, (str, Path)):
            from .mapping import load_mapping
            self.mapping = load_mapping(self.mapping)
        self._loaded = None

    def __bool__(self) -> bool:
        return self.dispensations is not None or self.absences is not None

    def tables(self, employee_ids=None) -> list[SideTable]:
        """The tables (dispensations first), rows of employees not in ``employee_ids`` rejected
        when it is given."""
        out = []
        if self.dispensations is not None:
            out.append(load_dispensations(self.dispensations, self.rule_ids, employee_ids, mapping=self.mapping))
        if self.absences is not None:
            out.append(load_absences(self.absences, employee_ids, mapping=self.mapping))
        return out

    def loaded(self) -> list[SideTable]:
        if self._loaded is None:
            self._loaded = self.tables()
            # indexed once: every part of the records is attached from the same index
            self._ids = set().union(*[set(t.frame["employee_id"].dropna()) for t in self._loaded])
            self._absences = absence_index(self._loaded[-1]) if self.absences is not None else None
            self._dispensations = dispensation_index(self._loaded[0]) if self.dispensations is not None else None
        return self._loaded

    def attach(self, records, tables=None):
        """``records`` (a RecordSet or a frame) with the side columns; a copy."""
        import dataclasses
        frame = getattr(records, "frame", records)
        own = tables is None
        tables = self.loaded() if own else tables
        if self.dispensations is not None:
            frame = attach_dispensations(frame, self._dispensations if own else tables[0])
        if self.absences is not None:
            frame = attach_absences(frame, self._absences if own else tables[-1])
        return dataclasses.replace(records, frame=frame) if hasattr(records, "frame") else frame

    def ids(self) -> set:
        """Every employee_id the tables name (the few ids a part reports back)."""
        self.loaded()
        return self._ids

    def matched(self, frame) -> set:
        """The ids of the tables that have an accepted record in ``frame``."""
        return self.ids() & set(frame["employee_id"].astype(str))

    def checked(self, accepted_ids) -> list[SideTable]:
        """The tables checked against the accepted records (all of them, or at least every
        one the tables name): rejected rows are reported, as in the whole-file path."""
        return self.tables(list(accepted_ids))

    def __getstate__(self):  # a part on a Dask worker gets the loaded tables, not a file to read again
        self.loaded()
        return self.__dict__

    def __setstate__(self, state):
        self.__dict__.update(state)


def attach_dispensations(records, dispensations):
    """The records frame with the per-rule dispensation columns of ``dispensations``
    (a :class:`SideTable`, a frame with DISPENSATION_COLUMNS, or the index
    :func:`dispensation_index` makes of one) added; a copy."""
    import pandas as pd
    out = records.copy()
    index = dispensations if isinstance(dispensations, dict) else dispensation_index(dispensations)
    for rule_id, by_id in index.items():
        until_col = rule_field_column("rule_dispensation_until", rule_id)
        ground_col = rule_field_column("rule_dispensation_ground", rule_id)
        out[until_col] = pd.to_datetime(out["employee_id"].map(by_id["until"]))
        out[ground_col] = out["employee_id"].map(by_id["ground"]).astype("string")
    return out


def dispensation_index(dispensations) -> dict:
    """rule_id -> the dispensation that lasts longest per employee (a frame of until and
    ground indexed by employee_id), of a dispensations :class:`SideTable` or frame."""
    table = getattr(dispensations, "frame", dispensations)
    if table is None or not len(table):
        return {}
    latest = (table.sort_values(["until", "row"] if "row" in table.columns else ["until"], kind="stable")
              .groupby(["rule_id", "employee_id"], sort=False).tail(1))
    return {rule_id: part.set_index("employee_id")[["until", "ground"]]
            for rule_id, part in latest.groupby("rule_id", sort=True)}


__all__ = ["DISPENSATION_COLUMNS", "RULE_FIELDS", "SideTable", "SideTables", "absence_index", "attach_absences",
           "dispensation_index", "attach_dispensations",
           "load_absences", "load_dispensations", "with_side_tables",
           "read_side_table", "rule_field_column", "rule_field_type"]
