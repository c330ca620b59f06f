"""Parse YAML into plain data plus a map from each value's path to its line and column.

Every file is read with limits, so no file can hang or crash whatever loads it (and every command loads the whole
library): at most MAX_BYTES of text, MAX_DEPTH levels of nesting, MAX_ALIASES uses of an alias, and MAX_VALUES
values once aliases are expanded; an alias may not contain itself. Beyond them the file is refused, one positioned
problem, like any other bad YAML.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Path_ = tuple[str | int, ...]

MAX_BYTES = 262_144  # 256 KiB, read in about 2 s: the largest shipped file is under 20 KB
MAX_DEPTH = 32  # nested mappings and lists: the shipped files nest at most 9 deep
MAX_ALIASES = 50  # uses of `*name`: the shipped files use none
MAX_VALUES = 50_000  # keys, values and items once aliases are expanded: the shipped files have under 1,300


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in one file, at a 1-based line and column."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class YamlSourceError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class Located:
    """A parsed document: `data`, and where each path (keys and list indexes) sits in the file."""

    file: str
    data: Any
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    # Whether text is checked for characters no page can show: not for a definition stored when a case started
    # (what was accepted then must stay readable, or its running cases would stop).
    checks_characters: bool = True

    def where(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        """The closest known position for `path`: its key or value, else its nearest ancestor."""
        table = self.keys if key else self.values
        probe = tuple(path)
        while probe:
            if probe in table:
                return table[probe]
            if probe in self.values:
                return self.values[probe]
            probe = probe[:-1]
        return self.values.get((), (1, 1))

    def problem(self, path: Path_, message: str, *, key: bool = False) -> Problem:
        line, column = self.where(path, key=key)
        return Problem(self.file, line, column, message)


class _Refused(Exception):
    def __init__(self, node: yaml.Node | None, message: str) -> None:
        super().__init__(message)
        self.node, self.message = node, message


class _Loader(yaml.SafeLoader):
    """SafeLoader where only true/false are booleans: an option called `no` stays the string 'no'. It composes
    with a bounded depth and a bounded number of aliases."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0
        self._nodes = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                event = self.peek_event()
                raise yaml.composer.ComposerError(
                    None, None, f"more than {MAX_ALIASES} aliases (*name) in one file", event.start_mark
                )
        self._nodes += 1
        if self._nodes > MAX_VALUES:
            raise yaml.composer.ComposerError(
                None, None, f"more than {MAX_VALUES:,} values", self.peek_event().start_mark
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                event = self.peek_event()
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_DEPTH} levels deep", event.start_mark
                )
            return super().compose_node(parent, index)  # type: ignore[arg-type]
        finally:
            self._depth -= 1


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _position(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


@dataclass
class _Walk:
    """What walking a composed document has counted so far: aliases may make it larger, or deeper, than its text."""

    values: int = 0
    inside: set[int] = field(default_factory=set)  # the nodes being walked: meeting one again is an alias loop


def _walk(node: yaml.Node, path: Path_, loader: _Loader, located: Located, problems: list[Problem], seen: _Walk) -> Any:
    seen.values += 1
    if seen.values > MAX_VALUES:
        raise _Refused(node, f"more than {MAX_VALUES:,} values once aliases are expanded")
    if len(path) > MAX_DEPTH:
        raise _Refused(node, f"nested more than {MAX_DEPTH} levels deep once aliases are expanded")
    located.values[path] = _position(node)
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
        if id(node) in seen.inside:
            raise _Refused(node, "an alias refers to a value that contains it")
        seen.inside.add(id(node))
        try:
            return _walk_collection(node, path, loader, located, problems, seen)
        finally:
            seen.inside.discard(id(node))
    try:
        value = loader.construct_object(node, deep=True)
    except (ValueError, TypeError, OverflowError) as error:  # a date past 9999, an integer of 5,000 digits
        reason = " ".join(str(error).split())[:100]
        raise _Refused(node, f"cannot read this value: {reason}") from None
    _check_characters(value, node, located, problems)
    return value


# What a double-quoted string's escapes (`\x00`, `\e`, `\ud800`, `\u2028`) can put in a value once YAML has decoded
# them, and no value may hold: controls other than tab and line feed, lone surrogates (no database or page can hold
# one), line and paragraph separators, and the bidirectional controls that make text read in another order.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _check_characters(value: Any, node: yaml.Node, located: Located, problems: list[Problem]) -> None:
    if not isinstance(value, str) or not located.checks_characters:
        return
    found = _UNSAFE.search(value)
    if found:
        code = ord(found.group())
        kind = (
            "a lone surrogate"
            if 0xD800 <= code <= 0xDFFF
            else "a line or paragraph separator"
            if code in (0x2028, 0x2029)
            else "a bidirectional control"
            if code >= 0x202A
            else "a control character"
        )
        line, column = _position(node)
        problems.append(
            Problem(
                located.file,
                line,
                column,
                f"this text holds {kind} (U+{code:04X}), which no page or message can show safely: remove it",
            )
        )


def _walk_collection(
    node: yaml.MappingNode | yaml.SequenceNode,
    path: Path_,
    loader: _Loader,
    located: Located,
    problems: list[Problem],
    seen: _Walk,
) -> Any:
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                line, column = _position(key_node)
                problems.append(Problem(located.file, line, column, "a key must be a plain value"))
                continue
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, list | dict):
                line, column = _position(key_node)
                problems.append(Problem(located.file, line, column, "a key must be a plain value"))
                continue
            key = str(key) if not isinstance(key, str) else key
            _check_characters(key, key_node, located, problems)
            if key in result:
                line, column = _position(key_node)
                problems.append(Problem(located.file, line, column, f"duplicate key {key!r}"))
                continue
            located.keys[(*path, key)] = _position(key_node)
            result[key] = _walk(value_node, (*path, key), loader, located, problems, seen)
        return result
    return [_walk(item, (*path, index), loader, located, problems, seen) for index, item in enumerate(node.value)]


def _line_and_column(text: str, position: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    position = max(0, min(position, len(text)))
    line_start = text.rfind("\n", 0, position) + 1
    return text.count("\n", 0, position) + 1, position - line_start + 1


def load_located(path: Path | str, text: str | None = None, *, stored: bool = False) -> Located:
    """Load one YAML document; raise YamlSourceError with every position-tagged problem found. `stored`: a text kept
    since a case started with it, read as it was then (its characters not checked again)."""
    file = str(path)
    if text is None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise YamlSourceError([Problem(file, 1, 1, f"cannot read file: {error}")]) from None
    if len(text) > MAX_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise YamlSourceError([Problem(file, 1, 1, f"file is too large: at most {MAX_BYTES:,} bytes")])
    located = Located(file=file, data=None, checks_characters=not stored)
    problems: list[Problem] = []
    loader: _Loader | None = None
    try:
        loader = _Loader(text)  # reading starts here: a character YAML forbids is refused now
        node = loader.get_single_node()
        if node is not None:
            located.data = _walk(node, (), loader, located, problems, _Walk())
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = error.problem or error.context or "invalid YAML"
        raise YamlSourceError([Problem(file, line, column, f"bad YAML: {reason}")]) from None
    except yaml.reader.ReaderError as error:
        line, column = _line_and_column(text, error.position)
        code = error.character if isinstance(error.character, int) else None
        reason = f"the character U+{code:04X} is not allowed in YAML" if code is not None else "unreadable text"
        raise YamlSourceError([Problem(file, line, column, f"bad YAML: {reason}")]) from None
    except _Refused as error:
        line, column = _position(error.node) if error.node is not None else (1, 1)
        raise YamlSourceError([Problem(file, line, column, f"bad YAML: {error.message}")]) from None
    except (yaml.YAMLError, RecursionError, ValueError, TypeError) as error:
        # Nothing of the YAML library may escape as a traceback; its message stays on one line.
        reason = " ".join(str(error).split())[:200] or type(error).__name__
        raise YamlSourceError([Problem(file, 1, 1, f"bad YAML: {reason}")]) from None
    finally:
        if loader is not None:
            loader.dispose()
    if problems:
        raise YamlSourceError(problems)
    return located
