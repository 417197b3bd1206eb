"""YAML mappings (front matter, issue.yaml, config.yaml) read safely, with the line of each key."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from .clean import removed, strip_controls
from .errors import BuildError, Problem


class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML loading in which an impossible date (2024-13-45) stays a string to report."""


def _timestamp(loader: yaml.SafeLoader, node: yaml.Node):
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


@dataclass
class Mapping:
    """A parsed mapping, the line of each key, and what was cleaned out of its values."""

    data: dict[str, Any]
    lines: dict[str, int]
    warnings: list[Problem] = field(default_factory=list)


def load_mapping(text: str, shown: str, first_line: int = 1, what: str = "'key: value' lines") -> Mapping:
    """Parse a YAML mapping. Refused with file and line: invalid YAML, anything but a mapping, a key
    given twice, and aliases (`*name`: nine nested ones expand to gigabytes, a billion laughs).
    Control characters written as escapes ("\\x0b") are removed from the values, with a warning."""
    reject_aliases(text, shown, first_line)
    loader = Loader(text)
    try:
        node = loader.get_single_node()
        reject_deep_nesting(node, shown, first_line)
        data = loader.construct_document(node) if node is not None else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = first_line + mark.line if mark else None
        raise BuildError([Problem(shown, f"invalid YAML: {getattr(exc, 'problem', None) or exc}", line)])
    finally:
        loader.dispose()
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise BuildError([Problem(shown, f"expected a mapping of {what}", first_line)])
    lines: dict[str, int] = {}
    problems = []
    for key, _ in node.value if isinstance(node, yaml.MappingNode) else ():
        line = first_line + key.start_mark.line
        if str(key.value) in lines:
            problems.append(Problem(shown, f"is given twice (also on line {lines[str(key.value)]}): keep one",
                                    line, str(key.value)))
        lines.setdefault(str(key.value), line)
    if problems:
        raise BuildError(problems)
    result = Mapping({}, lines)
    for key, value in data.items():
        result.data[str(key)] = _clean(value, shown, lines.get(str(key), first_line), str(key), result.warnings)
    return result


MAX_DEPTH = 32  # lists and mappings within one another: front matter needs a few; 500 overflow Python's stack


def reject_deep_nesting(node, shown: str, first_line: int) -> None:
    """Refuse values nested deeper than MAX_DEPTH, looked at without recursion."""
    stack = [(node, 0)] if node is not None else []
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise BuildError([Problem(shown, f"values nested more than {MAX_DEPTH} levels deep are not allowed",
                                      first_line + node.start_mark.line)])
        if isinstance(node, yaml.SequenceNode):  # (reversed: the first deep value in the file is reported)
            stack += [(child, depth + 1) for child in reversed(node.value)]
        elif isinstance(node, yaml.MappingNode):
            stack += [(part, depth + 1) for pair in reversed(node.value) for part in reversed(pair)]


def reject_aliases(text: str, shown: str, first_line: int) -> None:
    if "*" not in text:
        return  # no alias can be written without one
    try:
        for token in yaml.scan(text, Loader=Loader):
            if isinstance(token, yaml.AliasToken):
                raise BuildError([Problem(shown, f"YAML aliases (*{token.value}) are not allowed: write the value out",
                                          first_line + token.start_mark.line)])
    except yaml.YAMLError:
        return  # reported with its line by the parse itself


def _clean(value: Any, shown: str, line: int, key: str, warnings: list[Problem]) -> Any:
    if isinstance(value, str):
        value, found = strip_controls(value)
        for _, char in found:
            warnings.append(Problem(shown, removed(char), line, key))
        return value
    if isinstance(value, list):
        return [_clean(v, shown, line, key, warnings) for v in value]
    if isinstance(value, dict):
        return {k: _clean(v, shown, line, key, warnings) for k, v in value.items()}
    return value
