"""The simulated workforce: people as columns of numpy arrays, and the formation they fill.

A :class:`Workforce` holds every record field in the engines' column form (dates as
int64 day numbers with a validity mask), so a simulated year is evaluated by the same
engines as ``hpr check`` without building a frame. The :class:`Formation` (formatie) is
the number of positions per function: leavers and movers open vacancies in the
function they leave, hires and moves fill them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..calendar import state_pension_date_v
from ..engines.columns import frame_columns
from ..errors import ScenarioError
from ..language.compile import record_types
from .draws import Draws, starting_ids
from .model import AGE_BAND_LABELS

AGE_LIMITS = np.array([0, 25, 35, 45, 55, 60])  # lower bounds of AGE_BAND_LABELS
NO_DAY = 0  # placeholder value of a missing date (its mask says it is missing)


def age_band_index(birth: np.ndarray, day_num: int) -> np.ndarray:
    """Index into AGE_BAND_LABELS of each person's age band on ``day_num`` (completed years,
    the calendar of the rules): aged at least L when born on or before the last day from
    which L years end by ``day_num``; one date per band limit, not per person."""
    import datetime as _dt

    from ..calendar import add_months, from_daynum, to_daynum
    day = from_daynum(day_num)

    def born_by(years):
        b = add_months(day, -12 * years)
        nxt = b + _dt.timedelta(days=1)  # a 29 February birthday completes its year on 28 February
        return nxt if add_months(nxt, 12 * years) <= day else b
    limits = np.array([to_daynum(born_by(int(lim))) for lim in AGE_LIMITS[1:]])
    return np.searchsorted(-limits, -birth, side="right")


@dataclass
class Formation:
    """Functions (catalogue and population) with their unit, scale, load, neighbours and positions."""

    codes: list[str]
    title: np.ndarray
    unit: np.ndarray
    scale: np.ndarray
    demanding: np.ndarray
    adjacent: list[np.ndarray]
    positions: np.ndarray  # float: growth makes fractions, a position opens when it passes a whole one
    index: dict[str, int] = field(default_factory=dict)

    def __post_init__(self):
        self.index = {c: i for i, c in enumerate(self.codes)}

    @property
    def targets(self) -> np.ndarray:
        """Functions some other function names as adjacent (where movers can go)."""
        out = np.zeros(len(self.codes), dtype=bool)
        for a in self.adjacent:
            out[a] = True
        return out


def build_formation(frame: pd.DataFrame, formation_file: pd.DataFrame | None = None) -> Formation:
    """Functions of the shipped catalogue plus any other function code in the population;
    positions from ``formation_file`` (function_code, unit, positions) or, without one,
    the head count per function on the reference date."""
    from ..records import load_function_catalogue
    cat = load_function_catalogue()
    codes = list(cat["function_code"])
    title = list(cat["function_title"])
    unit = list(cat["unit"])
    scale = list(cat["salary_scale"])
    demanding = list(cat["physically_demanding"])
    extra = frame.loc[~frame["function_code"].isin(codes)]
    for code, sub in extra.groupby("function_code", sort=True):
        codes.append(str(code))
        title.append(str(sub["function_title"].iloc[0]) if "function_title" in sub else str(code))
        unit.append(str(sub["unit"].mode().iloc[0]))
        scale.append(int(sub["salary_scale"].median()))
        demanding.append(bool(sub["physically_demanding"].mean() >= 0.5))
    index = {c: i for i, c in enumerate(codes)}
    adjacent = [np.array([index[a] for a in adj if a in index], dtype=np.int64) for adj in cat["adjacent"]]
    adjacent += [np.zeros(0, dtype=np.int64)] * (len(codes) - len(adjacent))
    counts = frame["function_code"].map(index).value_counts()
    positions = np.zeros(len(codes))
    positions[counts.index.to_numpy(dtype=np.int64)] = counts.to_numpy()
    if formation_file is not None:
        positions[:] = 0
        for code, pos in zip(formation_file["function_code"], formation_file["positions"]):
            if code not in index:
                raise ScenarioError(f"formation: function {code!r} is in neither the catalogue nor the population")
            positions[index[code]] += float(pos)
    return Formation(codes, np.array(title, dtype=object), np.array(unit, dtype=object),
                     np.array(scale, dtype=np.int64), np.array(demanding, dtype=bool), adjacent, positions)


def read_formation(path) -> pd.DataFrame:
    """A formation file (csv/xlsx/parquet): function_code, unit, positions (>= 0)."""
    from pathlib import Path
    p = Path(path)
    try:
        if p.suffix.lower() == ".parquet":
            df = pd.read_parquet(p)
        elif p.suffix.lower() == ".xlsx":
            df = pd.read_excel(p)
        else:
            df = pd.read_csv(p, sep=None, engine="python")
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"cannot read formation file: {exc}", file=str(p)) from None
    missing = [c for c in ("function_code", "positions") if c not in df.columns]
    if missing:
        raise ScenarioError(f"formation file needs column(s) {', '.join(missing)}", file=str(p))
    pos = pd.to_numeric(df["positions"], errors="coerce")
    bad = np.flatnonzero(pos.isna().to_numpy() | (pos < 0).to_numpy())
    if len(bad):
        raise ScenarioError(f"row {bad[0] + 1}, column positions: {df['positions'].iloc[bad[0]]!r} is not a number "
                            ">= 0", file=str(p))
    return pd.DataFrame({"function_code": df["function_code"].astype(str), "positions": pos})


@dataclass
class Workforce:
    """People as columns: every record field in engine form, plus what the model tracks."""

    cols: dict  # field -> (values, valid), as engines.columns.frame_columns
    func: np.ndarray  # index into Formation.codes
    guarantee: np.ndarray  # salary scale steps kept above the function's scale (salarisgarantie)
    moved: np.ndarray  # moved under the mobility rule at some time in this run
    flagged: np.ndarray  # had to move at some time in this run
    pid: np.ndarray  # a person's id (uint64) for their random draws, the same in both worlds (see draws)
    gender: np.ndarray | None = None

    def __len__(self):
        return len(self.func)

    def take(self, keep: np.ndarray) -> "Workforce":
        return Workforce({k: (v[keep], ok[keep]) for k, (v, ok) in self.cols.items()}, self.func[keep],
                         self.guarantee[keep], self.moved[keep], self.flagged[keep], self.pid[keep],
                         None if self.gender is None else self.gender[keep])

    def append(self, other: "Workforce") -> "Workforce":
        cols = {k: (np.concatenate([v, other.cols[k][0]]), np.concatenate([ok, other.cols[k][1]]))
                for k, (v, ok) in self.cols.items()}
        gender = None if self.gender is None else np.concatenate([self.gender, other.gender])
        return Workforce(cols, np.concatenate([self.func, other.func]),
                         np.concatenate([self.guarantee, other.guarantee]), np.concatenate([self.moved, other.moved]),
                         np.concatenate([self.flagged, other.flagged]), np.concatenate([self.pid, other.pid]), gender)

    def set(self, name: str, values: np.ndarray, ok: np.ndarray | None = None, where: np.ndarray | None = None):
        """Set field ``name`` (where ``where``, default everywhere); ``ok`` False makes it missing."""
        v, vok = self.cols[name]
        v, vok = v.copy(), vok.copy()
        okv = np.ones(len(v), dtype=bool) if ok is None else np.broadcast_to(ok, (len(v),))
        values = np.broadcast_to(np.asarray(values, dtype=v.dtype), (len(v),))
        sel = np.ones(len(v), dtype=bool) if where is None else where
        v[sel] = values[sel]
        vok[sel] = okv[sel]
        self.cols[name] = (v, vok)

    def day(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        return self.cols[name]


def workforce_from_frame(frame: pd.DataFrame, formation: Formation, pension) -> Workforce:
    """The starting workforce: every known record field of ``frame`` (missing ones empty),
    and the side-table columns it carries (absences, dispensations per rule); a hire has none."""
    from ..absence import COLUMN as ABSENCES
    from ..records.sidetables import rule_field_type
    types = record_types()
    present = [f for f in types if f in frame.columns] + \
        [c for c in frame.columns if c == ABSENCES or rule_field_type(str(c))]
    cols = frame_columns(frame, set(present) | {"state_pension_date"}, pension)
    n = len(frame)
    for f, t in types.items():
        if f not in cols:
            dtype = {"date": np.int64, "number": np.float64, "bool": bool}.get(t, object)
            cols[f] = (np.zeros(n, dtype=dtype), np.zeros(n, dtype=bool))
    func = frame["function_code"].map(formation.index).to_numpy(dtype=np.int64)
    gender = frame["gender"].astype(str).to_numpy(dtype=object) if "gender" in frame.columns else None
    return Workforce(cols, func, np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool),
                     starting_ids(n), gender)


def new_hires(w: Workforce, staff: Workforce, formation: Formation, func: np.ndarray, hire_day: np.ndarray,
              ids: np.ndarray, draws: Draws, hires_cfg, pension) -> Workforce:
    """Hires ``ids`` into functions ``func`` on ``hire_day``: age from the scenario's profile,
    the function's scale, a part-time factor (and gender) like one of the starting ``staff``,
    temporary at the stated share; each hire's draws are their own, keyed by ``ids``
    (:func:`.draws.hire_ids`: the same hire in both worlds). The columns are those of ``w``."""
    k = len(func)
    profile = np.array([hires_cfg.age_profile[b] for b in AGE_BAND_LABELS], dtype=float)
    u = draws.uniforms("hires", ids, 5)
    cum = np.cumsum(profile / profile.sum())
    band = np.minimum(np.searchsorted(cum, u[0], side="right"), len(profile) - 1)
    lo = np.array([18, 25, 35, 45, 55, 60])[band]
    hi = np.array([25, 35, 45, 55, 60, 66])[band]
    age_days = np.floor((lo + u[1] * (hi - lo)) * 365.25).astype(np.int64)
    birth = hire_day - age_days
    fte_pool, fte_ok = staff.cols["fte"]
    pool = fte_pool[fte_ok] if fte_ok.any() else np.ones(1)
    fte = pool[np.minimum((u[2] * len(pool)).astype(np.int64), len(pool) - 1)] if k else np.zeros(0)
    temp = u[3] < hires_cfg.temporary_share
    end = hire_day + np.floor(hires_cfg.temporary_months * 30.4375).astype(np.int64)
    yes = np.ones(k, dtype=bool)
    no = np.zeros(k, dtype=bool)
    cols = {}
    for name, (v, _) in w.cols.items():
        cols[name] = (np.zeros(k, dtype=v.dtype), no.copy())
    cols.update({
        "birth_date": (birth, yes), "hire_date": (hire_day, yes), "function_start_date": (hire_day, yes),
        "employment_end_date": (np.where(temp, end, NO_DAY), temp),
        "function_code": (np.array(formation.codes, dtype=object)[func], yes),
        "function_title": (formation.title[func], yes), "unit": (formation.unit[func], yes),
        "salary_scale": (formation.scale[func].astype(cols["salary_scale"][0].dtype), yes),
        "physically_demanding": (formation.demanding[func], yes), "fte": (fte, yes),
        "development_hours_12m": (np.zeros(k), yes),
        "contract_type": (np.where(temp, "tijdelijk", "vast").astype(object), yes),
        "state_pension_date": (state_pension_date_v(birth, pension), yes),
    })
    gender = None
    if w.gender is not None:
        g = staff.gender if staff.gender is not None and len(staff.gender) else None
        gender = g[np.minimum((u[4] * len(g)).astype(np.int64), len(g) - 1)] if g is not None and k else \
            np.zeros(k, dtype=object)
    return Workforce(cols, func, np.zeros(k, dtype=np.int64), no.copy(), no.copy(),
                     np.asarray(ids, dtype=np.uint64), gender)


def daynum(d: dt.date) -> int:
    from ..calendar import to_daynum
    return to_daynum(d)
