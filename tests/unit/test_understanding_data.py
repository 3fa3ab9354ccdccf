"""The understanding's data files: every example of intents.yml is a test case, every phrase compiles, and a
broken file fails loudly, naming itself.

The cases below are read from the data files when the tests are collected, so teaching the parser a phrasing is a
data edit (a cue and an example) that this suite picks up without touching any test.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from graph.understanding import Understanding, understand_offline
from graph.understanding.vocab import DATA_DIR, alternation
from tools.inventory import InventoryStore
from tools.normalize import DEFAULT_ALIASES, read_aliases
from tools.text import LEXICON_PATH
from tools.toolkit import Toolkit

REPO = Path(__file__).resolve().parents[2]
CATALOG = Toolkit.from_store(InventoryStore.from_csv("sqlite://")).catalog
FILES = sorted(DATA_DIR.glob("*.yml"))
INTENTS = yaml.safe_load((DATA_DIR / "intents.yml").read_text(encoding="utf-8"))
FLAG_SLOTS = {
    "human": "wants_human",
    "complaint": "complaint",
    "haggle": "haggle",
    "compare": "compare",
    "course": "course",
}
"""Each flag block of intents.yml and the Understanding field its examples must set."""


def read(text: str) -> Understanding:
    return understand_offline(text, CATALOG)


def _examples(block: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(text, flag) of a block's examples: plain strings, or {text, flag} where a sub-kind is meant."""
    out = []
    for example in block.get("examples") or []:
        if isinstance(example, dict):
            out.append((str(example["text"]), example.get("flag")))
        else:
            out.append((str(example), None))
    return out


INTENT_CASES = [
    pytest.param(name, text, flag, id=f"{name}:{text}")
    for name, block in INTENTS["intents"].items()
    for text, flag in _examples(block)
]
FLAG_CASES = [
    pytest.param(name, text, flag, id=f"{name}:{text}")
    for name, block in INTENTS["flags"].items()
    for text, flag in _examples(block)
]


@pytest.mark.parametrize(("intent", "text", "flag"), INTENT_CASES)
def test_every_intent_example_parses_to_its_intent(intent: str, text: str, flag: str | None) -> None:
    u = read(text)
    assert u.intent == intent, f"{text!r} → {u.intent}"
    if flag is not None:  # visit_change: cancel, reschedule or status
        assert u.visit_action == flag


@pytest.mark.parametrize(("name", "text", "flag"), FLAG_CASES)
def test_every_flag_example_sets_its_flag(name: str, text: str, flag: str | None) -> None:
    assert name in FLAG_SLOTS, f"intents.yml flag block {name!r} has examples but no Understanding field is known"
    value = getattr(read(text), FLAG_SLOTS[name])
    assert value == flag if flag is not None else value is True, text


def test_every_intent_has_examples_and_a_place_in_the_priority() -> None:
    intents = INTENTS["intents"]
    assert set(INTENTS["priority"]) == set(intents)
    assert all(_examples(block) for block in intents.values())
    assert len(INTENT_CASES) >= 30


# ----------------------------------------------------------------------------------------- files and phrases


def test_every_data_file_loads_as_a_mapping() -> None:
    assert {f.name for f in FILES} == {"cues.yml", "intents.yml", "lexicon.yml"}
    for path in FILES:
        assert isinstance(yaml.safe_load(path.read_text(encoding="utf-8")), dict), path.name
    assert LEXICON_PATH.parent == DATA_DIR


def _phrases(node: Any, path: str, patterns: bool = False) -> Iterator[tuple[str, str, bool]]:
    """(where, phrase, is a regular expression) for every cue of a data file; examples and names are not cues."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key not in ("examples", "priority"):
                yield from _phrases(value, f"{path}.{key}", patterns or str(key).endswith("_patterns"))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _phrases(value, f"{path}[{i}]", patterns)
    elif isinstance(node, str):
        yield path, node, patterns


PHRASES = [
    pytest.param(where, phrase, regex, id=where)
    for name in ("cues.yml", "intents.yml")
    for where, phrase, regex in _phrases(yaml.safe_load((DATA_DIR / name).read_text(encoding="utf-8")), name)
]


@pytest.mark.parametrize(("where", "phrase", "regex"), PHRASES)
def test_every_phrase_compiles(where: str, phrase: str, regex: bool) -> None:
    re.compile(phrase if regex else alternation([phrase]))


def test_the_calendar_and_number_words_are_consistent() -> None:
    lexicon = yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8"))
    calendar = lexicon["calendar"]
    for language in ("es", "en"):
        assert sorted(set(calendar["weekdays"][language].values())) == list(range(7)), language
        assert sorted(set(calendar["months"][language].values())) == list(range(1, 13)), language
    for words in (calendar["weekdays"]["es"], calendar["months"]["en"], calendar["hour_words"]):
        re.compile(alternation(list(words)))
    assert all(isinstance(v, int) for v in lexicon["numbers"]["es"].values())


def test_every_alias_names_a_make_and_a_known_everyday_flag() -> None:
    rows = read_aliases(DEFAULT_ALIASES)
    with DEFAULT_ALIASES.open(encoding="utf-8") as handle:
        assert len(rows) == sum(1 for _ in csv.DictReader(handle))
    assert all(alias and make for alias, make, _, _ in rows)
    assert {flag for *_, flag in rows} <= {"", "word", "common", "place"}


def test_a_bad_everyday_flag_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "aliases.csv"
    bad.write_text("alias,make,model,everyday\nrio,Kia,Rio,sometimes\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"aliases\.csv.*sometimes"):
        read_aliases(bad)


# ----------------------------------------------------------------------------------------- broken files

PROBE = """
import sys
from pathlib import Path
import graph.understanding.vocab as vocab
vocab.DATA_DIR = Path(sys.argv[1])
from graph.understanding import understand_offline
print(understand_offline("busco algo de menos de 300 mil").max_price)
"""


def parse_with(tmp_path: Path, name: str, text: str) -> subprocess.CompletedProcess[str]:
    """Parse a message in a fresh process whose data folder has `name` replaced by `text`."""
    folder = tmp_path / "understanding"
    shutil.copytree(DATA_DIR, folder)
    (folder / name).write_text(text, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-c", PROBE, str(folder)], capture_output=True, text=True, cwd=REPO, timeout=120
    )


def test_the_probe_parses_with_intact_files(tmp_path: Path) -> None:
    done = parse_with(tmp_path, "cues.yml", (DATA_DIR / "cues.yml").read_text(encoding="utf-8"))
    assert done.returncode == 0 and done.stdout.strip() == "300000", done.stderr


def test_a_yaml_syntax_error_names_the_file(tmp_path: Path) -> None:
    text = (DATA_DIR / "cues.yml").read_text(encoding="utf-8").replace("money:", "money: [", 1)
    done = parse_with(tmp_path, "cues.yml", text)
    assert done.returncode != 0 and "cues.yml" in done.stderr


def test_a_file_that_is_not_a_mapping_names_the_file(tmp_path: Path) -> None:
    done = parse_with(tmp_path, "intents.yml", "- just\n- a list\n")
    assert done.returncode != 0
    assert "intents.yml: expected a mapping" in done.stderr.strip().splitlines()[-1]


def test_a_bad_phrase_gives_an_error_naming_the_file_and_the_phrase(tmp_path: Path) -> None:
    text = (DATA_DIR / "cues.yml").read_text(encoding="utf-8").replace("max_before: [", "max_before: ['(menos de', ", 1)
    assert "(menos de" in text
    done = parse_with(tmp_path, "cues.yml", text)
    assert done.returncode != 0
    error = done.stderr.strip().splitlines()[-1]
    assert "cues.yml" in error and "(menos de" in error, error
