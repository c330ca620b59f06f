"""Parse YAML into plain data plus a map from each value's path to its line and column."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Path_ = tuple[str | int, ...]


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


class _Loader(yaml.SafeLoader):
    """SafeLoader where only true/false are booleans: an option called `no` stays the string 'no'."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    __import__("re").compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _position(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _walk(node: yaml.Node, path: Path_, loader: _Loader, located: Located, problems: list[Problem]) -> Any:
    located.values[path] = _position(node)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, list | dict):
                line, column = _position(key_node)
                problems.append(Problem(located.file, line, column, "a key must be a plain value"))
                continue
            key = str(key) if not isinstance(key, str) else key
            if key in result:
                line, column = _position(key_node)
                problems.append(Problem(located.file, line, column, f"duplicate key {key!r}"))
                continue
            located.keys[(*path, key)] = _position(key_node)
            result[key] = _walk(value_node, (*path, key), loader, located, problems)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_walk(item, (*path, index), loader, located, problems) for index, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def load_located(path: Path | str, text: str | None = None) -> Located:
    """Load one YAML document; raise YamlSourceError with every position-tagged problem found."""
    file = str(path)
    if text is None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise YamlSourceError([Problem(file, 1, 1, f"cannot read file: {error}")]) from None
    located = Located(file=file, data=None)
    loader = _Loader(text)
    problems: list[Problem] = []
    try:
        node = loader.get_single_node()
        if node is not None:
            located.data = _walk(node, (), loader, located, problems)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = error.problem or error.context or "invalid YAML"
        raise YamlSourceError([Problem(file, line, column, f"bad YAML: {reason}")]) from None
    except yaml.YAMLError as error:
        raise YamlSourceError([Problem(file, 1, 1, f"bad YAML: {error}")]) from None
    finally:
        loader.dispose()
    if problems:
        raise YamlSourceError(problems)
    return located
