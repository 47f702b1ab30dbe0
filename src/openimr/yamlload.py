"""YAML read safely and the same way everywhere: libyaml when present, no implicit dates.

PyYAML turns ``2014-02-30`` into a date and fails with a bare ValueError on an impossible
one; keeping dates as text lets each reader validate them and name the field."""

from __future__ import annotations

from typing import Any

import yaml

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DatelessLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """The safe loader without the timestamp resolver."""


_TIMESTAMP = "tag:yaml.org,2002:timestamp"
DatelessLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
# An explicit `!!timestamp` stays text too.
DatelessLoader.add_constructor(_TIMESTAMP, DatelessLoader.construct_yaml_str)


def load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=DatelessLoader)


def safe_load(text: str) -> Any:
    """``yaml.safe_load`` (dates read as dates), by libyaml when present: the rule files
    are read at every start, and PyYAML's own parser took about a quarter of a second on
    them. The same values (tests/test_yamlload.py compares both on every packaged file)."""
    return yaml.load(text, Loader=_BaseLoader)
