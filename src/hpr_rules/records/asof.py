"""Stale or future data: when the records were exported, and dates they give that lie after
the reference date.

The export date is the mapping's ``as_of`` (or ``--as-of``), else the newest event date in
the file (:data:`~hpr_rules.records.schema.EVENT_DATE_COLUMNS`: things that have happened by
the time of the export). ``hpr check`` warns when its reference date lies further than
:data:`STALE_DAYS` from it, either way, and counts per column the records with an event date
after the reference date (a POP dated in the future): warnings, never rejections, as such a
record still gets its findings.

>>> import datetime as dt, pandas as pd
>>> frame = pd.DataFrame({"pop_date": pd.to_datetime(["2026-11-30", "2027-05-01", None])})
>>> dates = DataDates(dt.date(2027, 3, 1)).add(frame)
>>> dates.export_date()
(datetime.date(2027, 5, 1), 'the newest date in the file, pop_date')
>>> dates.warnings()
['1 record with a date after the reference date 2027-03-01: pop_date 1 (checked as it is)']
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .schema import EVENT_DATE_COLUMNS

#: days between the reference date and the export date beyond which ``hpr check`` warns
STALE_DAYS = 365


@dataclass
class DataDates:
    """What accepted records say about when they were exported, seen from reference date ``day``:
    the newest event date per column and, per column, how many records lie after ``day``.
    Built from the records of a file, or chunk by chunk (:meth:`add`, :meth:`merged`)."""

    day: dt.date
    newest: dict[str, dt.date] = field(default_factory=dict)
    after: dict[str, int] = field(default_factory=dict)
    #: records with at least one event date after ``day``
    records_after: int = 0

    def add(self, records) -> "DataDates":
        """Count the accepted records of ``records`` (a RecordSet or a validated frame)."""
        import numpy as np  # here, so that the command line starts without it
        view = getattr(records, "view", None)
        if view is None:
            view = getattr(records, "frame", records)
        from ..calendar import from_daynum, to_daynum
        day = to_daynum(self.day)
        any_after = None
        for col in EVENT_DATE_COLUMNS:
            if col not in view.columns:
                continue
            if hasattr(view, "day_numbers"):  # validation's arrays: day numbers as they are
                values, ok = view.day_numbers(col)
                late = ok & (values > day)
            else:  # a frame's dates may hold a time of day: later than midnight is after the day
                ns = np.asarray(view[col].to_numpy(dtype="datetime64[ns]"))
                ok = ~np.isnat(ns)
                values = np.where(ok, ns.astype("datetime64[D]").astype(np.int64), 0)
                late = ns > np.datetime64(self.day, "ns")
            if any_after is None:
                any_after = late
            else:
                any_after = any_after | late
            if not ok.any():
                continue
            top = from_daynum(int(values[ok].max()))
            self.newest[col] = max(top, self.newest.get(col, top))
            n = int(late.sum())
            if n:
                self.after[col] = self.after.get(col, 0) + n
        if any_after is not None:
            self.records_after += int(any_after.sum())
        return self

    def merged(self, other: "DataDates") -> "DataDates":
        """Both together (two chunks or two files of one export)."""
        out = DataDates(self.day, dict(self.newest), dict(self.after), self.records_after + other.records_after)
        for col, d in other.newest.items():
            out.newest[col] = max(d, out.newest.get(col, d))
        for col, n in other.after.items():
            out.after[col] = out.after.get(col, 0) + n
        return out

    def export_date(self, as_of: dt.date | None = None) -> tuple[dt.date | None, str]:
        """(the export date, where it comes from): ``as_of`` when given, else the newest
        event date in the records (None when they hold none)."""
        if as_of is not None:
            return as_of, "as_of"
        if not self.newest:
            return None, ""
        col = max(self.newest, key=lambda c: (self.newest[c], -EVENT_DATE_COLUMNS.index(c)))
        return self.newest[col], f"the newest date in the file, {col}"

    def warnings(self, as_of: dt.date | None = None, max_days: int = STALE_DAYS) -> list[str]:
        """One line per warning: the reference date far from the export date, and event dates
        after the reference date (counted per column)."""
        out = []
        export, why = self.export_date(as_of)
        if export is not None:
            gap = (self.day - export).days
            if gap > max_days:
                out.append(f"reference date {self.day} is {gap:,} days after the data's export date {export} "
                           f"({why}); the data may be out of date")
            elif -gap > max_days:
                out.append(f"reference date {self.day} is {-gap:,} days before the data's export date {export} "
                           f"({why}); the data describe a later moment")
        if self.after:
            cols = ", ".join(f"{c} {self.after[c]:,}" for c in EVENT_DATE_COLUMNS if c in self.after)
            n = self.records_after
            out.append(f"{n:,} record{'s' if n != 1 else ''} with a date after the reference date {self.day}: "
                       f"{cols} (checked as {'they are' if n != 1 else 'it is'})")
        return out

    def to_dict(self, as_of: dt.date | None = None, max_days: int = STALE_DAYS) -> dict:
        """The same as plain data (the JSON summary of ``hpr check``)."""
        export, why = self.export_date(as_of)
        return {"export_date": None if export is None else export.isoformat(), "export_date_from": why or None,
                "max_days": max_days,
                "days_from_export": None if export is None else (self.day - export).days,
                "dates_after_reference_date": {c: self.after[c] for c in EVENT_DATE_COLUMNS if c in self.after},
                "records_with_dates_after_reference_date": self.records_after,
                "warnings": self.warnings(as_of, max_days)}


__all__ = ["DataDates", "STALE_DAYS"]
