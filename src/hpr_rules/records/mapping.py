"""Column mapping: how an HR export (e.g. Youforce) becomes canonical records.

A mapping YAML renames file headers to canonical names and says how to read dates,
booleans, decimals and units. Example (``examples/youforce_mapping.yaml``)::

    delimiter: "|"
    decimal: ","
    date_format: "%d-%m-%Y"
    rename:
      001 Personeelsnummer: employee_id
      Deeltijdfactor (%): fte
    units:
      fte: percent
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from ..errors import HprError, InputError, did_you_mean
from ..yamlsource import YamlDoc, load_yaml, pydantic_error
from .readers import Source
from .schema import COLUMNS, DATE_COLUMNS, DECIMAL_COLUMNS, FALSE_WORDS, TRUE_WORDS

if TYPE_CHECKING:  # a mapping is read without pandas; apply() gets a frame
    import pandas as pd

Unit = Literal["fraction", "percent", "hours", "minutes"]


class Booleans(BaseModel):
    """Words read as true and false (case-insensitive)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    true: list[str] = Field(default_factory=lambda: list(TRUE_WORDS))
    false: list[str] = Field(default_factory=lambda: list(FALSE_WORDS))

    @model_validator(mode="before")
    @classmethod
    def _yaml_bool_keys(cls, data):
        # YAML reads a bare `true:` key as the boolean True
        if isinstance(data, dict):
            data = {("true" if k is True else "false" if k is False else k): v for k, v in data.items()}
        return data

    @field_validator("true", "false", mode="before")
    @classmethod
    def _words(cls, v):
        if isinstance(v, list):
            return [("true" if w is True else "false" if w is False else str(w)) for w in v]
        return v

    @model_validator(mode="after")
    def _disjoint(self):
        both = {w.lower() for w in self.true} & {w.lower() for w in self.false}
        if both:
            raise ValueError(f"words both true and false: {', '.join(sorted(both))}")
        return self


class ColumnMapping(BaseModel):
    """How to read one export format into the canonical record."""

    model_config = ConfigDict(extra="forbid")
    encoding: str | None = None
    delimiter: str | None = None
    header_row: int | None = Field(default=None, ge=1)
    sheet: str | int | None = None
    decimal: Literal[",", "."] | None = None
    date_format: str | None = None
    date_formats: dict[str, str] = Field(default_factory=dict)
    booleans: Booleans = Field(default_factory=Booleans)
    rename: dict[str, str] = Field(default_factory=dict)
    units: dict[str, Unit] = Field(default_factory=dict)
    defaults: dict[str, str | int | float | bool] = Field(default_factory=dict)
    constants: dict[str, str | int | float | bool] = Field(default_factory=dict)
    #: the day the export was made (default: the newest event date in the file)
    as_of: dt.date | None = None
    # where the mapping came from, for messages (not part of the YAML)
    file: str | None = Field(default=None, exclude=True)
    _doc: YamlDoc | None = PrivateAttr(default=None)

    @field_validator("rename")
    @classmethod
    def _targets_known(cls, v: dict[str, str]):
        keys: dict[str, str] = {}
        for src in v:
            other = keys.setdefault(header_key(src), src)
            if other != src:
                raise ValueError(f"{other!r} and {src!r} name the same export header (headers are matched "
                                 "without regard to case and surrounding spaces)")
        for src, dst in v.items():
            if dst not in COLUMNS:
                raise ValueError(f"{src!r} maps to unknown column {dst!r}{_did_you_mean(dst, COLUMNS)}")
        seen: dict[str, str] = {}
        for src, dst in v.items():
            if dst in seen:
                raise ValueError(f"both {seen[dst]!r} and {src!r} map to {dst!r}")
            seen[dst] = src
        return v

    @field_validator("date_formats")
    @classmethod
    def _date_cols(cls, v: dict[str, str]):
        for col in v:
            if col not in DATE_COLUMNS:
                raise ValueError(f"{col!r} is not a date column{_did_you_mean(col, DATE_COLUMNS)}")
        return v

    @field_validator("units")
    @classmethod
    def _unit_cols(cls, v: dict[str, str]):
        allowed = {"fte": ("fraction", "percent"), "development_hours_12m": ("hours", "minutes")}
        for col, unit in v.items():
            if col not in DECIMAL_COLUMNS:
                raise ValueError(f"{col!r} has no unit to convert{_did_you_mean(col, DECIMAL_COLUMNS)}")
            if unit not in allowed[col]:
                raise ValueError(f"unit of {col} must be one of {', '.join(allowed[col])}, not {unit!r}")
        return v

    @field_validator("defaults", "constants")
    @classmethod
    def _value_cols(cls, v: dict):
        for col in v:
            if col not in COLUMNS:
                raise ValueError(f"{col!r} is not a canonical column{_did_you_mean(col, COLUMNS)}")
        return v

    def date_format_for(self, column: str) -> str:
        return self.date_formats.get(column, self.date_format or "%Y-%m-%d")

    def export_header(self, column: str) -> str | None:
        """The export header (as the mapping spells it) that ``rename`` maps to ``column``;
        None when the mapping does not rename one to it."""
        return next((src for src, dst in self.rename.items() if dst == column), None)

    def headers(self, headers, data_file: str = "<frame>", doc: YamlDoc | None = None) -> dict[str, str]:
        """The export headers the mapping renames: file header -> canonical name.

        A header matches a ``rename`` key without regard to case and surrounding spaces
        (``Personeelsnummer`` is ``personeelsnummer``); two headers of the file that the same
        key matches (they differ only by case) are an :class:`InputError` naming both, and so
        is a key that matches none (with the nearest header)."""
        found = self._matches(headers, data_file, doc)
        for src in self.rename:
            if src not in found:
                line, col = self._where(src, doc)
                raise InputError(f"column {src!r} named in the mapping is not in {data_file}"
                                 f"{_did_you_mean(src, [str(h) for h in headers])}",
                                 file=self.file, line=line, col=col, key=f"rename.{src}")
        return {found[src]: dst for src, dst in self.rename.items()}

    def spelling(self, headers, data_file: str = "<frame>", keys=None) -> dict[str, str]:
        """file header -> the mapping's own spelling of it, for the headers that the mapping
        names in another case or with other spaces (see :meth:`headers`); keys not in the
        file are left to :meth:`apply` to report. ``keys``: only these ``rename`` keys."""
        return {h: src for src, h in self._matches(headers, data_file, keys=keys).items() if h != src}

    def _matches(self, headers, data_file: str, doc: YamlDoc | None = None, keys=None) -> dict[str, str]:
        """rename key -> the one file header it matches (keys without a match left out)."""
        if not self.rename:
            return {}
        by_key: dict[str, list] = {}
        for h in headers:
            by_key.setdefault(header_key(h), []).append(h)
        out = {}
        for src in self.rename if keys is None else keys:
            hits = by_key.get(header_key(src), [])
            if len(hits) > 1:
                line, col = self._where(src, doc)
                raise InputError(f"{data_file} has the columns {hits[0]!r} and {hits[1]!r}, which differ only by "
                                 f"case: the mapping's {src!r} matches both; rename one of them in the export",
                                 file=self.file, line=line, col=col, key=f"rename.{src}")
            if hits:
                out[src] = hits[0]
        return out

    def _where(self, src: str, doc: YamlDoc | None = None):
        doc = doc or mapping_doc(self)
        return doc.where(("rename", src, "__key__")) if doc is not None else (None, None)

    def apply(self, raw: pd.DataFrame, data_file: str = "<frame>", doc: YamlDoc | None = None) -> pd.DataFrame:
        """Rename the columns of ``raw`` (headers matched as :meth:`headers` says) and fill
        defaults/constants; values stay text."""
        out = raw.rename(columns=self.headers(list(raw.columns), data_file, doc) if self.rename else {})
        for c, v in self.defaults.items():
            text = _text(v)
            if c in out.columns:
                s = out[c]
                out[c] = s.where(s.notna() & (s.astype(str).str.strip() != ""), text)
            else:
                out[c] = text
        for c, v in self.constants.items():
            out[c] = _text(v)
        return out


def header_key(header) -> str:
    """How an export header is matched: trimmed, without regard to case."""
    return str(header).strip().casefold()


def _text(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _did_you_mean(name: str, choices) -> str:
    """Export headers are often abbreviated: a looser match than for rule names."""
    return did_you_mean(name, choices, cutoff=0.5)


def load_mapping(path) -> ColumnMapping:
    """Read and check a column-mapping YAML; errors point at ``file:line:col``."""
    p = Path(path)
    try:
        doc = load_yaml(p)
    except HprError as exc:
        raise InputError(exc.message, file=exc.file or str(p), line=exc.line, col=exc.col) from None
    data = doc.data if doc.data is not None else {}
    if not isinstance(data, dict):
        raise InputError("a column mapping must be a YAML mapping (key: value lines)", file=str(p), line=1)
    try:
        m = ColumnMapping.model_validate(data)
    except ValidationError as exc:
        raise pydantic_error(doc, exc, InputError) from None
    m.file = str(p)
    m._doc = doc  # positions, for "column not in the file" messages
    return m


def mapping_with(mapping, **overrides) -> ColumnMapping | None:
    """The mapping (a path, a :class:`ColumnMapping` or None) with the given settings
    replaced; None when there is neither a mapping nor an override."""
    overrides = {k: v for k, v in overrides.items() if v is not None}
    m = load_mapping(mapping) if isinstance(mapping, (str, Path)) else mapping
    if not overrides:
        return m
    base = m.model_dump(exclude_unset=True, exclude={"file"}) if m is not None else {}
    if "sheet" in overrides and str(overrides["sheet"]).isdigit():
        overrides["sheet"] = int(overrides["sheet"])
    try:
        out = ColumnMapping.model_validate({**base, **overrides})
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InputError(f"--{str(err['loc'][0]).replace('_', '-')}: {err['msg']}") from None
    if m is not None:
        out.file, out._doc = m.file, m._doc
    return out


def mapping_doc(m: ColumnMapping) -> YamlDoc | None:
    return getattr(m, "_doc", None)


class SpelledSource(Source):
    """A data file read for a mapping: its headers spelled as the mapping's ``rename`` keys
    spell them (matched as :meth:`ColumnMapping.headers` says), so every reader of its frames
    (a first pass over the id column, the side tables) finds the columns the mapping names."""

    def __init__(self, path, mapping: ColumnMapping, **kw):
        super().__init__(path, **kw)
        self.mapping = mapping
        self._spelling: dict[str, str] | None = None

    def frames(self, rows: int | None = None):
        for frame in super().frames(rows):
            if self._spelling is None:
                self._spelling = self.mapping.spelling(list(frame.columns), str(self.path))
            yield frame.rename(columns=self._spelling) if self._spelling else frame
