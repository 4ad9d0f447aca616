"""The findings frame: one row per (input row, rule), columns as in the contract.

Every engine hands over, per rule, the decisive step of each record and the ``let``
values; this module alone turns that into findings, so the engines cannot differ
in formatting. :class:`Findings` keeps every text column as integer codes with their
labels (a million records give three million rows: building them as Python strings
would dominate the run); it becomes an Arrow table (dictionary-encoded text, what
``hpr check`` writes), the pandas frame the library returns (categoricals), or the
summary counts (``np.bincount`` over the codes) without ever spelling out a string
per row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

FINDINGS_COLUMNS = [
    "employee_id", "rule_id", "status", "reason", "due_date", "days_overdue",
    "required_hours", "actual_hours", "shortfall_hours", "reference_date",
]
#: the summaries' count of violations whose reason is the employer's failing (``party:
#: employer`` in the rule file, :meth:`RuleBook.employer_reasons`); such a finding keeps its
#: status ``violation`` in the findings, the summaries count it apart from the violations
EMPLOYER_FAILING = "violation_employer"


@dataclass
class RuleOutcome:
    """Per-record outcome of one rule, as arrays (accepted records, input order)."""

    rule_id: str
    step: np.ndarray  # decisive step index per record
    step_status: list[str]  # status of each step
    step_reason: list[str]  # reason code of each step
    due: np.ndarray  # day number, valid where due_ok
    due_ok: np.ndarray
    overdue: np.ndarray  # int64, valid where overdue_ok
    overdue_ok: np.ndarray
    required: np.ndarray  # float64, NaN where not shown
    actual: np.ndarray
    shortfall: np.ndarray


def rule_outcome(rule, step: np.ndarray, lets: dict, day: dt.date) -> RuleOutcome:
    """Outputs of one compiled rule from the decisive step of each record."""
    n = len(step)
    step_status = [s.status for s in rule.steps]
    is_norm = np.array([s.kind == "norm" for s in rule.steps])[step]
    violation = np.array([s == "violation" for s in step_status])[step]
    nan = np.full(n, np.nan)
    none = np.zeros(n, dtype=bool)
    zeros = np.zeros(n, dtype=np.int32)
    due, due_ok, od, od_ok = zeros, none, zeros, none
    req = act = short = nan
    if rule.norm_type == "deadline":
        due, ok = lets["due"]
        due_ok = is_norm & ok
        od_ok = due_ok & violation
        day_num = (np.datetime64(day, "D") - np.datetime64("1970-01-01", "D")).astype(np.int32)
        od = np.where(od_ok, day_num - due, 0)
    else:
        r, rok = lets["required"]
        a, aok = lets["actual"]
        show = is_norm & rok & aok
        req = np.where(show, np.round(r, 2), np.nan)
        act = np.where(show, np.round(a, 2), np.nan)
        short = np.where(show & (a < r), np.round(r - a, 2), np.nan)
    return RuleOutcome(rule.id, step, step_status, [s.reason for s in rule.steps],
                       due, due_ok, od, od_ok, req, act, short)


def _index_type(k: int):
    """The smallest signed integer type for codes into ``k`` labels (what pandas picks too)."""
    for t in (np.int8, np.int16, np.int32):
        if k < np.iinfo(t).max:
            return t
    return np.int64


def _day_codes(days: np.ndarray, ok: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Codes (-1 where not ok) into the sorted distinct ISO dates of ``days[ok]``."""
    codes = np.full(len(days), -1, dtype=np.int32)
    if not ok.any():
        return codes, []
    d = days[ok].astype(np.int64)
    lo, hi = int(d.min()), int(d.max())
    if hi - lo < 1 << 24:  # a dense map over the range: linear, no sort
        present = np.zeros(hi - lo + 1, dtype=bool)
        present[d - lo] = True
        uniq = np.flatnonzero(present) + lo
        codes[ok] = (np.cumsum(present) - 1)[d - lo]
    else:
        uniq, inv = np.unique(d, return_inverse=True)
        codes[ok] = inv.ravel()
    return codes, list(np.datetime_as_string(uniq.astype("datetime64[D]"), unit="D"))


@dataclass
class Findings:
    """Findings of one evaluation as codes and labels, one row per (input row, rule).

    ``emp`` codes into ``emp_labels`` (-1: a rejected row without an employee_id),
    ``rule`` into ``rule_ids``, ``status`` into STATUSES, ``reason`` into ``reasons``,
    ``due_code`` into ``due_labels`` (ISO dates, -1: empty).
    """

    day: dt.date
    emp: np.ndarray
    emp_labels: object  # the ids: an Arrow string array, or an object array of str
    rule: np.ndarray
    rule_ids: list[str]
    status: np.ndarray
    reason: np.ndarray
    reasons: list[str]
    due_code: np.ndarray
    due_labels: list[str]
    overdue: np.ndarray
    overdue_ok: np.ndarray
    required: np.ndarray
    actual: np.ndarray
    shortfall: np.ndarray

    def __len__(self) -> int:
        return len(self.status)

    def to_arrow(self):
        """The findings as an Arrow table: text columns dictionary-encoded straight from the
        codes, missing values null, with the pandas metadata of :meth:`to_pandas`."""
        import pyarrow as pa

        from .arrowbuf import from_numpy, text
        from .language.compile import STATUSES

        def dictionary(codes, labels):
            codes = np.asarray(codes)
            idx = codes.astype(_index_type(max(len(labels), 1)), copy=False)
            missing = codes < 0
            values = labels if isinstance(labels, pa.Array) else text(list(labels))
            return pa.DictionaryArray.from_arrays(from_numpy(idx, ~missing if missing.any() else None), values)

        def floats(x):
            nan = np.isnan(x)
            return from_numpy(x, ~nan if nan.any() else None)

        total = len(self)
        # employee_id as a dictionary over the ids, like the other text columns: the writers
        # spell it out (Parquet only where nearly every row has its own id, as in the frame)
        emp = dictionary(self.emp, _arrow_labels(self.emp_labels))
        columns = {
            "employee_id": emp,
            "rule_id": dictionary(self.rule, self.rule_ids),
            "status": dictionary(self.status, list(STATUSES)),
            "reason": dictionary(self.reason, self.reasons),
            "due_date": dictionary(self.due_code, self.due_labels),
            "days_overdue": from_numpy(self.overdue.astype(np.int64, copy=False), self.overdue_ok),
            "required_hours": floats(self.required),
            "actual_hours": floats(self.actual),
            "shortfall_hours": floats(self.shortfall),
            "reference_date": dictionary(np.zeros(total, dtype=np.int8), [self.day.isoformat()]),
        }
        table = pa.table(columns)
        return table.replace_schema_metadata(_pandas_metadata())

    def to_pandas(self):
        """The findings frame: categoricals for text, nullable Int64 for days_overdue."""
        import pandas as pd
        from .language.compile import STATUSES

        def cat(codes, labels):
            return pd.Categorical.from_codes(codes, categories=pd.Index(labels, dtype=object), validate=False)

        return pd.DataFrame({
            "employee_id": cat(self.emp, pd.Index(_object_labels(self.emp_labels), dtype=object).astype(str)),
            "rule_id": cat(self.rule, self.rule_ids),
            "status": cat(self.status, list(STATUSES)), "reason": cat(self.reason, self.reasons),
            "due_date": cat(self.due_code, self.due_labels),
            "days_overdue": pd.arrays.IntegerArray(self.overdue.astype(np.int64), ~self.overdue_ok),
            "required_hours": self.required, "actual_hours": self.actual, "shortfall_hours": self.shortfall,
            "reference_date": cat(np.zeros(len(self), dtype=np.int8), [self.day.isoformat()]),
        }, columns=FINDINGS_COLUMNS)

    def counts(self, employer=()) -> dict[tuple[str, str], int]:
        """Rows per (rule_id, status), a ``bincount`` of the codes (see :func:`status_counts`);
        a violation whose (rule_id, reason) is in ``employer`` counts as :data:`EMPLOYER_FAILING`."""
        from .language.compile import STATUSES
        k = len(STATUSES)
        r = len(self.rule_ids)
        if not len(self) or not r:
            return {}
        counts = np.bincount(self.rule.astype(np.int64) * k + self.status, minlength=r * k).reshape(r, k)
        out = {(rid, STATUSES[j]): int(counts[i, j]) for i, rid in enumerate(self.rule_ids)
               for j in range(k) if counts[i, j]}
        pairs = [(i, self.reasons.index(c)) for i, rid in enumerate(self.rule_ids) for (rr, c) in employer
                 if rr == rid and c in self.reasons]
        if pairs:
            hit = np.zeros(r, dtype=np.int64)
            violation = self.status == STATUSES.index("violation")
            for i, c in pairs:
                hit[i] += int(np.count_nonzero(violation & (self.rule == i) & (self.reason == c)))
            out = _split(out, {(self.rule_ids[i], "violation"): int(hit[i]) for i in range(r) if hit[i]})
        return out

    def summary(self, employer=()):
        """Counts per rule and status, from the codes (the table ``hpr check`` prints)."""
        return summary_from_counts(self.counts(employer))


def _split(counts: dict, employer: dict) -> dict:
    """``counts`` with ``employer`` violations per rule moved to :data:`EMPLOYER_FAILING`."""
    out = dict(counts)
    for (rid, _), n in employer.items():
        out[(rid, "violation")] -= n
        if not out[(rid, "violation")]:
            del out[(rid, "violation")]
        out[(rid, EMPLOYER_FAILING)] = n
    return out


def _arrow_labels(labels):
    """Labels (an Arrow array or chunked array, or an object array of str) as one Arrow array."""
    import pyarrow as pa
    if isinstance(labels, pa.ChunkedArray):
        labels = labels.combine_chunks()
    if isinstance(labels, pa.Array):
        return labels if labels.type == pa.string() else labels.cast(pa.string())
    return pa.array(labels, type=pa.string(), from_pandas=True)


def _object_labels(labels) -> np.ndarray:
    """Labels as an object array of str (None where missing)."""
    if isinstance(labels, np.ndarray):
        return labels
    return np.asarray(_arrow_labels(labels).to_numpy(zero_copy_only=False), dtype=object)


_PANDAS_METADATA = None


def _pandas_metadata() -> dict:
    """The pandas schema metadata of a findings table, so that pandas reads a written file back
    with the frame's dtypes (categoricals, nullable Int64): what ``pa.Schema.from_pandas`` gives
    for an empty findings frame (a test checks it is), written out here so that a check writes
    its findings without importing pandas."""
    global _PANDAS_METADATA
    if _PANDAS_METADATA is None:
        from .language.compile import STATUSES
        categories = {"status": len(STATUSES), "reference_date": 1}

        def column(name):
            if name == "days_overdue":
                kind, numpy_type, meta = "int64", "Int64", None
            elif name.endswith("_hours"):
                kind, numpy_type, meta = "float64", "float64", None
            else:
                kind, numpy_type = "categorical", "int8"
                meta = {"num_categories": categories.get(name, 0), "ordered": False}
            return {"name": name, "field_name": name, "pandas_type": kind, "numpy_type": numpy_type,
                    "metadata": meta}
        _PANDAS_METADATA = _metadata([column(c) for c in FINDINGS_COLUMNS])
    return _PANDAS_METADATA


def _metadata(columns: list[dict]) -> dict:
    """Arrow schema metadata that tells pandas the dtypes of ``columns`` (pandas' own format)."""
    import json
    from importlib.metadata import PackageNotFoundError, version

    import pyarrow as pa
    try:
        pandas_version = version("pandas")
    except PackageNotFoundError:  # pragma: no cover - pandas is a dependency
        pandas_version = None
    doc = {"index_columns": [], "column_indexes": [], "columns": columns, "attributes": {},
           "creator": {"library": "pyarrow", "version": pa.__version__}, "pandas_version": pandas_version}
    return {b"pandas": json.dumps(doc).encode("utf-8")}


def plain_pandas_metadata(dtypes: dict[str, str]) -> dict:
    """The pandas metadata of a frame of plain columns (``dtypes``: name -> object, Int64 or
    float64), as ``pa.Schema.from_pandas`` writes it for text, nullable integers and floats."""
    kinds = {"object": ("unicode", "object"), "Int64": ("int64", "Int64"), "float64": ("float64", "float64")}
    return _metadata([{"name": c, "field_name": c, "pandas_type": kinds[t][0], "numpy_type": kinds[t][1],
                       "metadata": None} for c, t in dtypes.items()])


def findings_of(outcomes: list[RuleOutcome], ids: np.ndarray, rows: np.ndarray, day: dt.date,
                rejected=None, *, unique_ids: bool = False) -> Findings:
    """The findings codes: accepted records row-major by rule, rejected rows merged in by row number.
    ``unique_ids``: the ids are known to be distinct (validated records), so they are their own
    labels; otherwise equal ids share one label."""
    from .language.compile import STATUSES
    r = len(outcomes)
    n = len(ids)
    rule_ids = [o.rule_id for o in outcomes]
    reasons: list[str] = [""]
    status_of, reason_of = [], []
    for o in outcomes:
        status_of.append(np.array([STATUSES.index(s) for s in o.step_status], dtype=np.int8))
        codes = []
        for reason in o.step_reason:
            if reason not in reasons:
                reasons.append(reason)
            codes.append(reasons.index(reason))
        reason_of.append(np.array(codes, dtype=np.int32))

    def interleave(parts, dtype):
        """Per-rule arrays of n values -> n * r values, row-major by rule."""
        out = np.empty((n, r), dtype=dtype)
        for k, p in enumerate(parts):
            out[:, k] = p
        return out.reshape(-1)

    if unique_ids:
        emp_labels = ids if not isinstance(ids, (list, tuple)) and hasattr(ids, "type") \
            else np.asarray(ids, dtype=object)
        emp = np.repeat(np.arange(n, dtype=np.int32), r)
    else:
        import pandas as pd
        codes, uniq = pd.factorize(_object_labels(ids) if hasattr(ids, "type") else np.asarray(ids, dtype=object))
        emp_labels = np.asarray(uniq, dtype=object)
        emp = np.repeat(codes.astype(np.int32), r)
    rule_col = np.tile(np.arange(r, dtype=np.int8), n)
    status = interleave([status_of[k][o.step] for k, o in enumerate(outcomes)], np.int8)
    reason = interleave([reason_of[k][o.step] for k, o in enumerate(outcomes)], np.int32)
    due = interleave([o.due for o in outcomes], np.int32)
    due_ok = interleave([o.due_ok for o in outcomes], bool)
    od = interleave([o.overdue for o in outcomes], np.int32)
    od_ok = interleave([o.overdue_ok for o in outcomes], bool)
    req, act, short = (interleave([getattr(o, a) for o in outcomes], np.float64)
                       for a in ("required", "actual", "shortfall"))
    if rejected is not None and len(rejected) and r:
        import pyarrow as pa
        import pyarrow.compute as pc
        m = len(rejected)
        # the code of each rejected row's id among the labels; an id not among them (a
        # duplicate, a row without a valid record) is added once, in order of appearance;
        # a rejected row without an employee_id has none (-1)
        labels = _arrow_labels(emp_labels)
        rej = pa.array(rejected["employee_id"].to_numpy(dtype=object), type=labels.type, from_pandas=True)
        found = pc.index_in(rej, value_set=labels)
        rej_codes = found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32)
        new = pc.and_(pc.is_null(found), pc.is_valid(rej)).to_numpy(zero_copy_only=False)
        if new.any():
            extra = pc.unique(rej.filter(pa.array(new)))
            rej_codes[new] = len(labels) + pc.index_in(rej.filter(pa.array(new)), value_set=extra).to_numpy(
                zero_copy_only=False).astype(np.int32)
            emp_labels = pa.concat_arrays([labels, extra]) if isinstance(emp_labels, pa.Array) or \
                isinstance(emp_labels, pa.ChunkedArray) else \
                np.concatenate([emp_labels, np.asarray(extra.to_pylist(), dtype=object)])
        code_of = {reason: i for i, reason in enumerate(reasons)}
        msg_codes = [code_of.setdefault(msg, len(code_of)) for msg in rejected["message"].astype(str)]
        reasons = list(code_of)
        emp = np.concatenate([emp, np.repeat(np.array(rej_codes, dtype=np.int32), r)])
        rule_col = np.concatenate([rule_col, np.tile(np.arange(r, dtype=np.int8), m)])
        status = np.concatenate([status, np.full(m * r, STATUSES.index("invalid"), dtype=np.int8)])
        reason = np.concatenate([reason, np.repeat(np.array(msg_codes, dtype=np.int32), r)])
        due = np.concatenate([due, np.zeros(m * r, dtype=np.int32)])
        due_ok = np.concatenate([due_ok, np.zeros(m * r, dtype=bool)])
        od = np.concatenate([od, np.zeros(m * r, dtype=np.int32)])
        od_ok = np.concatenate([od_ok, np.zeros(m * r, dtype=bool)])
        req, act, short = (np.concatenate([x, np.full(m * r, np.nan)]) for x in (req, act, short))
        # records (accepted, then rejected) in row order, each with its r rows in rule order
        by_row = np.argsort(np.concatenate([np.asarray(rows, dtype=np.int64),
                                            rejected["row"].to_numpy(dtype=np.int64)]), kind="stable")
        order = (by_row[:, None] * r + np.arange(r)).reshape(-1)
        emp, rule_col, status, reason, due, due_ok, od, od_ok, req, act, short = (
            x[order] for x in (emp, rule_col, status, reason, due, due_ok, od, od_ok, req, act, short))
    due_code, due_labels = _day_codes(due, due_ok)
    return Findings(day, emp, emp_labels, rule_col, rule_ids, status, reason, reasons, due_code, due_labels,
                    od, od_ok, req, act, short)


def build_findings(outcomes: list[RuleOutcome], ids: np.ndarray, rows: np.ndarray, day: dt.date,
                   rejected=None):
    """The findings frame (pandas): :func:`findings_of` as categoricals."""
    return findings_of(outcomes, ids, rows, day, rejected).to_pandas()


def status_counts(findings, employer=()) -> dict[tuple[str, str], int]:
    """Rows per (rule_id, status): all a summary needs, small enough to send anywhere; a
    violation whose (rule_id, reason) is in ``employer`` counts as :data:`EMPLOYER_FAILING`."""
    if findings.empty:
        return {}
    rule, status = findings["rule_id"].astype(str), findings["status"].astype(str)
    size = findings.groupby([rule, status], observed=True).size()
    out = {k: int(v) for k, v in size.items() if v}
    hit = employer_mask(findings, employer)
    if hit.any():
        out = _split(out, {(rid, "violation"): int(n) for rid, n in rule[hit].value_counts().items()})
    return out


def employer_mask(findings, employer):
    """Rows of a findings frame that are a violation whose (rule_id, reason) is in ``employer``
    (:meth:`RuleBook.employer_reasons`): the employer's failing."""
    import pandas as pd
    hit = pd.Series(False, index=findings.index)
    if not employer or "reason" not in findings.columns:
        return hit
    rule, reason = findings["rule_id"].astype(str), findings["reason"].astype(str)
    for r, c in employer:
        hit |= (rule == r) & (reason == c)
    return hit & (findings["status"].astype(str) == "violation")


def add_counts(total: dict, part: dict) -> dict:
    """``total`` plus ``part`` (status counts of two parts of the findings)."""
    out = dict(total)
    for k, v in part.items():
        out[k] = out.get(k, 0) + v
    return out


def summary_rows(counts: dict[tuple[str, str], int]) -> tuple[list[str], list[dict]]:
    """The summary table (rules by status, with a total) from :func:`status_counts` as
    (column names, one dict per rule): what ``hpr check`` prints, without pandas."""
    from .language.compile import STATUSES
    cols = list(STATUSES)
    if any(s == EMPLOYER_FAILING for _, s in counts):
        cols.insert(cols.index("violation") + 1, EMPLOYER_FAILING)
    rows = []
    for rule in sorted({r for r, _ in counts}):
        row = {"rule_id": rule, **{c: int(counts.get((rule, c), 0)) for c in cols}}
        row["total"] = sum(row[c] for c in cols)
        rows.append(row)
    return ["rule_id", *cols, "total"], rows


def summary_from_counts(counts: dict[tuple[str, str], int]):
    """The summary table (rules by status, with a total) from :func:`status_counts`, as a frame."""
    import pandas as pd
    columns, rows = summary_rows(counts)
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(rows, columns=columns).astype({c: "int64" for c in columns[1:]})


def summarize(findings, employer=()):
    """Counts per rule and status (the summary ``hpr check`` prints), of a :class:`Findings`
    or a findings frame; ``employer``: see :func:`status_counts`."""
    if isinstance(findings, Findings):
        return findings.summary(employer)
    return summary_from_counts(status_counts(findings, employer))
