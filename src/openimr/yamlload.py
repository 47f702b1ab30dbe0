"""YAML read safely and the same way everywhere: libyaml when present, no implicit dates.

PyYAML turns ``2014-02-30`` into a date and fails with a bare ValueError on an impossible
one; keeping dates as text lets each reader validate them and name the field.

Even with libyaml, building the Python values of the rule files and the pack (about 100
files) took 0.1 to 0.3 s of every start; what a text gives is kept in the run cache
(``openimr.runcache``) under a digest of the text, and read back as new objects each time
(kept pickled: a caller may change what it gets)."""

from __future__ import annotations

import hashlib
import pickle
from typing import Any

import yaml

from openimr.runcache import MISSING, get, put

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


def _kept(table: str, text: str, loader: type) -> Any:
    key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).digest()
    blob = get(table, key)
    if blob is MISSING:
        blob = pickle.dumps(yaml.load(text, Loader=loader), protocol=pickle.HIGHEST_PROTOCOL)
        put(table, key, blob)
    return pickle.loads(blob)


def load_yaml(text: str, *, keep: bool = False) -> Any:
    """The YAML text's value, dates left as text. ``keep``: kept between runs, for the
    files openimr ships or is configured with, never for a case: the cache file must not
    hold a worker's records."""
    if not keep:
        return yaml.load(text, Loader=DatelessLoader)
    return _kept("yaml-dateless-1", text, DatelessLoader)


def safe_load(text: str, *, keep: bool = False) -> Any:
    """``yaml.safe_load`` (dates read as dates), by libyaml when present: the rule files
    are read at every start, and PyYAML's own parser took about a quarter of a second on
    them. The same values (tests/test_yamlload.py compares both on every packaged file).
    ``keep`` as for ``load_yaml``."""
    if not keep:
        return yaml.load(text, Loader=_BaseLoader)
    return _kept("yaml-1", text, _BaseLoader)
