"""YAML with positions: every value remembers its line and column.

Rule, scenario, mapping and test-case files are written by people; when one is wrong
the message must point at ``file:line:col``. PyYAML's composer keeps node marks, so we
load through it and keep a table from key path to position.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import HprError

Path_ = tuple[Any, ...]


@dataclass
class YamlDoc:
    """A loaded YAML document and the positions (1-based line, col) of its nodes."""

    data: Any
    file: str
    positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: Path_) -> tuple[int | None, int | None]:
        """Position of the deepest known node on ``path`` (falls back to parents)."""
        path = tuple(path)
        while True:
            if path in self.positions:
                return self.positions[path]
            if not path:
                return (None, None)
            path = path[:-1]

    def error(self, cls: type[HprError], message: str, path: Path_ = ()) -> HprError:
        line, col = self.where(path)
        key = ".".join(str(p) for p in path) or None
        return cls(message, file=self.file, line=line, col=col, key=key)


def _construct(node: yaml.Node, loader: yaml.SafeLoader, path: Path_, pos: dict) -> Any:
    pos[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        out = {}
        for k_node, v_node in node.value:
            key = _construct(k_node, loader, path + ("__keynode__",), {})
            if isinstance(key, (_dt.date,)):
                key = key.isoformat()
            if key in out:
                raise HprError(f"duplicate key {key!r}", line=k_node.start_mark.line + 1,
                               col=k_node.start_mark.column + 1)
            out[key] = _construct(v_node, loader, path + (key,), pos)
            # a key's own position is more useful than its value's for "missing field" errors
            pos.setdefault(path + (key, "__key__"), (k_node.start_mark.line + 1, k_node.start_mark.column + 1))
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(v, loader, path + (i,), pos) for i, v in enumerate(node.value)]
    try:
        return loader.construct_object(node, deep=True)
    except ValueError as exc:  # e.g. 2026-13-01 looks like a date to YAML but is none
        raise HprError(f"{node.value!r} is not a valid value: {exc}", line=node.start_mark.line + 1,
                       col=node.start_mark.column + 1) from None


def load_yaml_text(text: str, file: str = "<string>") -> YamlDoc:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        pos: dict = {}
        data = _construct(node, loader, (), pos) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise HprError(f"not valid YAML: {exc.problem}", file=file,
                       line=mark.line + 1 if mark else None,
                       col=mark.column + 1 if mark else None) from None
    except HprError as exc:
        exc.file = file
        raise
    finally:
        loader.dispose()
    return YamlDoc(data=data, file=file, positions=pos)


def load_yaml(path: str | Path) -> YamlDoc:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise HprError("file not found", file=str(p)) from None
    except UnicodeDecodeError as exc:
        raise HprError(f"not UTF-8 text ({exc.reason})", file=str(p)) from None
    return load_yaml_text(text, str(p))


def pydantic_error(doc: YamlDoc, exc, cls: type[HprError]) -> HprError:
    """Turn a pydantic ValidationError into an HprError pointing at the first failure.

    All failures are listed in the message, the position is that of the first;
    ``.failures`` holds one error per failure, each at its own position.
    """
    errs = exc.errors()
    lines = []
    failures = []
    first_path: Path_ = ()
    for i, e in enumerate(errs):
        loc = tuple(p for p in e.get("loc", ()) if not (isinstance(p, str) and p.startswith("function-")))
        if i == 0:
            first_path = loc
        where = ".".join(str(p) for p in loc) or "(top level)"
        line, col = doc.where(loc if e.get("type") != "missing" else loc[:-1])
        at = f"{line}:{col}" if line else "?"
        lines.append(f"{where} (line {at}): {e.get('msg')}")
        failures.append(cls(str(e.get("msg")), file=doc.file, line=line, col=col, key=where, code="schema"))
    first = doc.error(cls, lines[0].split(": ", 1)[1] if lines else str(exc), first_path)
    first.code, first.failures = "schema", failures
    if len(lines) > 1:
        first.message += "\n  " + "\n  ".join(lines[1:])
    return first
