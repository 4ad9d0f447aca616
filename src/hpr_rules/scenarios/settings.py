"""Change scenario settings by dotted key, as ``--set``, ``sweep``, ``breakeven`` and the
library's ``overrides=`` do: ``mobility.advisor_capacity``, ``dynamics.hires.fill_rate``,
``costs.hourly_cost``, or a rule parameter ``RULE.PARAM`` (the rule named in the rule files)."""

from __future__ import annotations

import copy

from pydantic import ValidationError

from ..errors import ScenarioError, did_you_mean
from .model import LoadedScenario, RuleOverride, Scenario


def _set_path(data: dict, path: list[str], value) -> None:
    for p in path[:-1]:
        data = data.setdefault(p, {})
        if not isinstance(data, dict):
            raise KeyError(p)
    data[path[-1]] = value


def _known_paths(model, prefix="") -> list[str]:
    out = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        out.append(prefix + name)
        if hasattr(type(value), "model_fields"):
            out += _known_paths(value, prefix + name + ".")
    return out


def setting_kind(key: str) -> str:
    """``scenario`` for a scenario setting, ``rule`` for RULE.PARAM."""
    return "scenario" if key.split(".", 1)[0] in Scenario.model_fields else "rule"


def apply_settings(sc: LoadedScenario, settings: dict) -> LoadedScenario:
    """A copy of ``sc`` with each ``key: value`` applied and validated like the file itself.

    >>> from hpr_rules.scenarios.model import Scenario, LoadedScenario
    >>> import datetime as dt
    >>> sc = LoadedScenario(Scenario(name="x", reference_date=dt.date(2026, 1, 1)), None, None)
    >>> apply_settings(sc, {"mobility.advisor_capacity": 40}).model.mobility.advisor_capacity
    40
    """
    data = sc.model.model_dump(mode="python")
    for key, value in settings.items():
        path = key.split(".")
        if setting_kind(key) == "scenario":
            known = _known_paths(sc.model)
            dict_parent = ".".join(path[:-1]) in known and isinstance(_get(sc.model, path[:-1]), dict)
            if key not in known and not dict_parent:
                raise ScenarioError(f"unknown setting {key!r}{did_you_mean(key, known)}", key=key)
            try:
                _set_path(data, path, value)
            except KeyError:
                raise ScenarioError(f"cannot set {key!r}", key=key) from None
        else:
            if len(path) != 2:
                raise ScenarioError(f"unknown setting {key!r}: use a scenario setting (mobility.advisor_capacity) "
                                    "or RULE.PARAM", key=key)
            rid, param = path
            ov = data["rules"]["overrides"].get(rid)
            ov = ov if isinstance(ov, dict) else (RuleOverride().model_dump() if ov is None else ov.model_dump())
            ov["parameters"] = {**ov.get("parameters", {}), param: value}
            data["rules"]["overrides"][rid] = ov
    try:
        model = Scenario.model_validate(data)
    except ValidationError as exc:
        e = exc.errors()[0]
        where = ".".join(str(p) for p in e.get("loc", ()))
        raise ScenarioError(f"{where}: {e.get('msg')}", key=where) from None
    out = copy.copy(sc)
    out.model = model
    return out


def _get(model, path):
    for p in path:
        model = model.get(p) if isinstance(model, dict) else getattr(model, p, None)
    return model


def parse_value(text: str):
    """A value as typed on the command line: a number, true/false, or text."""
    t = text.strip()
    if t.lower() in ("true", "false"):
        return t.lower() == "true"
    try:
        f = float(t)
    except ValueError:
        return t
    return int(f) if f.is_integer() and "." not in t else f
