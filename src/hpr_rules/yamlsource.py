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


# Hand-written inputs are small; these bounds keep a hostile or broken file (an alias
# "billion laughs" bomb, a 10,000-deep bracket nest, a huge paste) from costing more than a
# moment and a few MB before it is reported.
MAX_BYTES = 262_144
MAX_NODES = 50_000
MAX_DEPTH = 64
MAX_ALIASES = 1_000
MAX_ALIAS_NODES = 10_000  # nodes that aliases repeat, counted after expansion

_MERGE_TAG = "tag:yaml.org,2002:merge"
_VALUE_TAG = "tag:yaml.org,2002:value"


def _at(mark) -> dict:
    return {"line": mark.line + 1, "col": mark.column + 1} if mark is not None else {}


if yaml.__with_libyaml__:  # libyaml's event parser is several times faster than PyYAML's
    from yaml._yaml import CParser as _EventParser
else:  # pragma: no cover - wheels ship libyaml
    class _EventParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
        def __init__(self, text: str):
            yaml.reader.Reader.__init__(self, text)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)


class _BoundedLoader(_EventParser, yaml.composer.Composer, yaml.constructor.SafeConstructor,
                     yaml.resolver.Resolver):
    """A safe loader with no tags and bounded nodes, aliases and nesting while composing.

    The composer is PyYAML's (in Python, so it can be bounded) over libyaml's events. Only
    plain YAML is accepted: an explicit tag (``!!python/object``, ``!!str``, ``!x``) would
    let a file ask for a type the schema does not expect, so every tag is refused.
    """

    # CParser also composes (recursively, in C, unbounded): use the Python composer
    get_single_node = yaml.composer.Composer.get_single_node
    compose_document = yaml.composer.Composer.compose_document

    def __init__(self, text: str):
        _EventParser.__init__(self, text)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)
        self._depth = 0
        self._aliases = 0
        self._nodes = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise HprError(f"more than {MAX_ALIASES:,} YAML aliases (*name)", **_at(event.start_mark))
            return super().compose_node(parent, index)
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise HprError(f"more than {MAX_NODES:,} values", **_at(event.start_mark))
        if getattr(event, "tag", None) is not None:
            tag = event.tag.replace("tag:yaml.org,2002:", "!!")
            raise HprError(f"YAML tags are not allowed ({tag}); write a plain value",
                           **_at(event.start_mark))
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise HprError(f"nested more than {MAX_DEPTH} levels deep", **_at(event.start_mark))
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _Builder:
    """Python values from the composed node graph, recording each node's position.

    Aliases make the graph a DAG (or, with a self-reference, a cycle); expanding it is
    where a bomb explodes, so repeated nodes are counted and the depth is checked again.
    """

    def __init__(self, loader: _BoundedLoader):
        self.loader = loader
        self.pos: dict[Path_, tuple[int, int]] = {}
        self.seen: set[int] = set()
        self.repeated = 0

    def build(self, node: yaml.Node, path: Path_, depth: int = 1) -> Any:
        if id(node) in self.seen:
            self.repeated += 1
            if self.repeated > MAX_ALIAS_NODES:
                raise HprError(f"aliases expand to more than {MAX_ALIAS_NODES:,} repeated values",
                               **_at(node.start_mark))
        else:
            self.seen.add(id(node))
        if depth > MAX_DEPTH:
            raise HprError(f"nested more than {MAX_DEPTH} levels deep (through an alias)",
                           **_at(node.start_mark))
        self.pos[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            out = {}
            for k_node, v_node in node.value:
                key = self._key(k_node)
                if key in out:
                    raise HprError(f"duplicate key {key!r}", **_at(k_node.start_mark))
                out[key] = self.build(v_node, path + (key,), depth + 1)
                # a key's own position is more useful than its value's for "missing field" errors
                self.pos.setdefault(path + (key, "__key__"), (k_node.start_mark.line + 1, k_node.start_mark.column + 1))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(v, path + (i,), depth + 1) for i, v in enumerate(node.value)]
        return self._scalar(node)

    def _key(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise HprError("a key must be a plain value, not a list or mapping", **_at(node.start_mark))
        if node.tag == _MERGE_TAG:
            raise HprError("merge keys ('<<') are not allowed; write the keys out", **_at(node.start_mark))
        key = self._scalar(node)
        return key.isoformat() if isinstance(key, _dt.date) else key

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag == _VALUE_TAG:  # a bare '=' is text here, not YAML's obsolete value key
            return node.value
        try:
            return self.loader.construct_object(node, deep=True)
        except ValueError as exc:  # e.g. 2026-13-01 looks like a date to YAML but is none
            raise HprError(f"{node.value!r} is not a valid value: {exc}", **_at(node.start_mark)) from None


def _position(text: str, exc: yaml.reader.ReaderError) -> dict:
    # libyaml counts bytes, PyYAML characters: find the offending character itself
    index = text.find(chr(exc.character)) if isinstance(exc.character, int) else -1
    index = exc.position if index < 0 else index
    line = text.count("\n", 0, index) + 1
    return {"line": line, "col": index - (text.rfind("\n", 0, index) + 1) + 1}


def load_yaml_text(text: str, file: str = "<string>") -> YamlDoc:
    """Load one YAML document with positions; tags, merge keys and oversized input refused.

    >>> load_yaml_text("a: [1, 2]").data
    {'a': [1, 2]}
    >>> load_yaml_text("a: !!python/object:os.system x", "r.yaml")
    Traceback (most recent call last):
    hpr_rules.errors.HprError: r.yaml:1:4: YAML tags are not allowed (!!python/object:os.system); write a plain value
    """
    if len(text) > MAX_BYTES:
        raise HprError(f"larger than {MAX_BYTES // 1024:,} KiB; YAML inputs are hand-written files", file=file)
    loader = None
    try:
        loader = _BoundedLoader(text)
        node = loader.get_single_node()
        builder = _Builder(loader)
        data = builder.build(node, ()) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise HprError(f"not valid YAML: {exc.problem}", file=file, **_at(mark)) from None
    except yaml.reader.ReaderError as exc:  # a NUL or other control character
        raise HprError(f"not valid YAML: {exc.reason}", file=file, **_position(text, exc)) from None
    except HprError as exc:
        exc.file = file
        raise
    finally:
        if loader is not None:
            loader.dispose()
    return YamlDoc(data=data, file=file, positions=builder.pos)


def load_yaml(path: str | Path) -> YamlDoc:
    """Load a YAML file through :func:`load_yaml_text`, refusing files over ``MAX_BYTES``."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise HprError(f"larger than {MAX_BYTES // 1024:,} KiB ({size:,} bytes); "
                           "YAML inputs are hand-written files", file=str(p))
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise HprError("file not found", file=str(p)) from None
    except UnicodeDecodeError as exc:
        raise HprError(f"not UTF-8 text ({exc.reason})", file=str(p)) from None
    except OSError as exc:
        raise HprError(f"cannot read: {exc.strerror or exc}", file=str(p)) from None
    return load_yaml_text(text, str(p))


def _in_doc(doc: YamlDoc, loc: tuple) -> tuple:
    """``loc`` without the steps pydantic adds that the file does not have: the tag of a
    discriminated union (``norm.hours.reasons.0.party`` is ``norm.reasons.0.party``)."""
    out: tuple = ()
    for i, p in enumerate(loc):
        if (out + (p,)) not in doc.positions and i + 1 < len(loc) and (out + (loc[i + 1],)) in doc.positions:
            continue
        out += (p,)
    return out


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
        loc = _in_doc(doc, tuple(p for p in e.get("loc", ())
                                 if not (isinstance(p, str) and p.startswith("function-"))))
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
