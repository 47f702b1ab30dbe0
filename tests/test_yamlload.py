"""The packaged YAML files read alike by libyaml and by PyYAML's own parser (the rule files
are read through libyaml for speed; the values must not change)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from openimr.yamlload import DatelessLoader, load_yaml, safe_load

SRC = Path(__file__).resolve().parents[1] / "src" / "openimr"
FILES = sorted(SRC.rglob("*.yaml"))


class _PurePythonDateless(yaml.SafeLoader):
    pass


_PurePythonDateless.yaml_implicit_resolvers = DatelessLoader.yaml_implicit_resolvers
_PurePythonDateless.add_constructor(
    "tag:yaml.org,2002:timestamp", _PurePythonDateless.construct_yaml_str
)


def test_libyaml_is_used():
    assert yaml.__with_libyaml__
    assert issubclass(DatelessLoader, yaml.CSafeLoader)


def test_there_are_files_to_compare():
    assert len(FILES) > 50


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(SRC)))
def test_libyaml_reads_every_packaged_file_as_pyyaml_does(path):
    text = path.read_text(encoding="utf-8")
    assert safe_load(text) == yaml.safe_load(text)
    assert load_yaml(text) == yaml.load(text, Loader=_PurePythonDateless)


def test_dates_stay_dates_in_safe_load_and_text_in_load_yaml():
    assert safe_load("d: 2014-06-01")["d"] == yaml.safe_load("d: 2014-06-01")["d"]
    assert load_yaml("d: 2014-06-01")["d"] == "2014-06-01"
