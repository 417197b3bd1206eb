"""config.yaml → a frozen Config, checked against a declared schema (all errors at once)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


from .errors import BuildError, Problem
from .yamlfile import load_mapping


@dataclass(frozen=True)
class Config:
    """Site-wide settings. Paths are absolute once loaded."""

    title: str = "新闻档案"
    description: str = ""
    paper: str = ""
    base_url: str = ""
    language: str = "zh-CN"
    content: Path = Path("content")
    layouts: Path = Path("layouts")
    output: Path = Path("site")
    per_page: int = 20
    excerpt_length: int = 90
    sections: tuple[str, ...] | None = None
    trusted_html: bool = False
    timezone: str = "+08:00"
    epub: bool = True


# key → (type the YAML value must have, a description for error messages)
SCHEMA: dict[str, tuple[type | tuple[type, ...], str]] = {
    "title": (str, "a string"),
    "description": (str, "a string"),
    "paper": (str, "a string"),
    "base_url": (str, "an absolute http(s) URL such as https://user.github.io/repo/"),
    "language": (str, "a language tag such as zh-CN"),
    "content": (str, "a folder path"),
    "layouts": (str, "a folder path"),
    "output": (str, "a folder path"),
    "per_page": (int, "a whole number ≥ 1"),
    "excerpt_length": (int, "a whole number ≥ 10"),
    "sections": (list, "a list of section names"),
    "trusted_html": (bool, "true or false"),
    "timezone": (str, "a UTC offset such as +08:00, for feed timestamps"),
    "epub": (bool, "true or false"),
}

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_LAYOUTS = PROJECT_DIR / "layouts"


def normalize_base_url(value: str) -> str:
    """Return base_url with exactly one trailing slash ('' stays '')."""
    value = value.strip()
    return value.rstrip("/") + "/" if value else ""


def check_base_url(value: str) -> str | None:
    """Return what is wrong with a base_url, or None."""
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"expected an absolute http(s) URL such as https://user.github.io/repo/, got {value!r}"
    if parts.query or parts.fragment:
        return f"expected a URL without query or fragment, got {value!r}"
    return None


def load_config(path: Path | None, overrides: dict[str, Any] | None = None, must_exist: bool = False) -> Config:
    """Read config.yaml (if it exists, or fail if must_exist), apply overrides, validate, resolve paths."""
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    raw: dict[str, Any] = {}
    base_dir = Path.cwd()
    shown = str(path) if path else "config.yaml"
    problems: list[Problem] = []
    lines: dict[str, int] = {}
    if path is not None:
        base_dir = path.resolve().parent
        if path.exists():
            mapping = load_mapping(path.read_text(encoding="utf-8"), shown, what="settings at the top level")
            raw, lines = mapping.data, mapping.lines
        elif must_exist:
            raise BuildError([Problem(shown, "config file not found")])
    raw = {**raw, **overrides}

    values: dict[str, Any] = {}
    for key, value in raw.items():
        line = lines.get(key)
        if key not in SCHEMA:
            hint = difflib.get_close_matches(key, SCHEMA, n=1)
            extra = f" (did you mean '{hint[0]}'?)" if hint else ""
            problems.append(Problem(shown, f"unknown setting{extra}", line, key))
            continue
        kind, expected = SCHEMA[key]
        if value is None and key == "sections":
            continue
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            problems.append(Problem(shown, f"expected {expected}, got {value!r}", line, key))
            continue
        values[key] = value

    if "base_url" in values:
        error = check_base_url(values["base_url"])
        if error:
            problems.append(Problem(shown, error, lines.get("base_url"), "base_url"))
        values["base_url"] = normalize_base_url(values["base_url"])
    if values.get("per_page", 1) < 1:
        problems.append(Problem(shown, "expected a whole number ≥ 1", lines.get("per_page"), "per_page"))
    if values.get("excerpt_length", 10) < 10:
        problems.append(Problem(shown, "expected a whole number ≥ 10", lines.get("excerpt_length"), "excerpt_length"))
    if "timezone" in values and not re.fullmatch(r"[+-](0\d|1[0-4]):[0-5]\d|Z", values["timezone"]):
        problems.append(Problem(shown, f"expected a UTC offset such as +08:00, got {values['timezone']!r}",
                                lines.get("timezone"), "timezone"))
    if "sections" in values:
        sections = values["sections"]
        if not all(isinstance(s, str) and s.strip() for s in sections):
            problems.append(Problem(shown, "expected a list of non-empty strings", lines.get("sections"), "sections"))
        values["sections"] = tuple(sections)
    if problems:
        raise BuildError(problems)

    for key in ("content", "layouts", "output"):
        if key in values:
            values[key] = Path(values[key])
    config = replace(Config(), **values)
    return replace(
        config,
        content=(base_dir / config.content).resolve(),
        layouts=(base_dir / config.layouts).resolve(),
        output=(base_dir / config.output).resolve(),
    )
