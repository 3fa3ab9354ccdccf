"""The knowledge files a dealer edits: Markdown sections (es.md, en.md) and the branches (branches.csv), parsed
into `Section`s and `Branch`es with every mistake reported by file and line."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

FIELDS = {
    "es": {"respuesta": "answer", "detalle": "details", "siguiente": "next", "claves": "keywords", "datos": "facts"},
    "en": {"answer": "answer", "details": "details", "next": "next", "keywords": "keywords", "key facts": "facts"},
}
HEADING = re.compile(r"^##\s+(?P<title>.+?)\s*\{#(?P<id>[a-z0-9-]+)\}\s*$")


class Passage(TypedDict):
    """One retrieved section: what `search_knowledge` returns."""

    id: str
    title: str
    answer: str
    details: str
    text: str
    next: str
    facts: list[str]
    score: float


@dataclass(frozen=True)
class Section:
    """One topic of the knowledge base in one language."""

    id: str
    language: str
    title: str
    answer: str
    details: str = ""
    next: str = ""
    keywords: tuple[str, ...] = ()
    facts: tuple[str, ...] = ()

    def passage(self, score: float) -> Passage:
        """The section as a search result."""
        text = f"{self.answer} {self.details}".strip()
        return Passage(
            id=self.id,
            title=self.title,
            answer=self.answer,
            details=self.details,
            text=text,
            next=self.next,
            facts=list(self.facts),
            score=score,
        )


@dataclass(frozen=True)
class Branch:
    """A branch and its opening hours (`hours_source` says whether they are confirmed or the general ones)."""

    name: str
    city: str
    region: str
    opens: str
    closes: str
    hours_source: str
    aliases: tuple[str, ...] = ()


class KnowledgeError(ValueError):
    """A knowledge file that cannot be read, with the file and line."""


def parse_sections(
    text: str, language: str, source: str = "", values: dict[str, Any] | None = None, strict: bool = True
) -> list[Section]:
    """Sections of one Markdown file: "## Title {#id}" headings followed by "Label: value" lines; `values` fill the
    {placeholders} (None leaves them as written). A heading without a valid id, a duplicate id, a stray brace or
    (when `strict`) a placeholder `values` lack is an error naming the file and line."""
    labels = FIELDS[language]
    sections: list[Section] = []
    current: dict[str, Any] | None = None
    seen: dict[str, int] = {}
    text = re.sub(r"<!--.*?-->", lambda m: "\n" * m.group().count("\n"), text, flags=re.S)  # lines keep numbers
    for number, line in enumerate(text.splitlines(), start=1):
        heading = HEADING.match(line)
        if line.startswith("## ") and not heading:
            raise KnowledgeError(f"{source}:{number}: heading without an id like {{#warranty}} (lower case): {line!r}")
        if heading:
            if current:
                sections.append(_section(current, language, source))
            if heading["id"] in seen:
                raise KnowledgeError(
                    f"{source}:{number}: section id {heading['id']!r} already used on line {seen[heading['id']]}"
                )
            seen[heading["id"]] = number
            current = {"id": heading["id"], "title": heading["title"], "line": number}
            continue
        if current is None or not line.strip():
            continue
        line = _fill(line, values, f"{source}:{number}", strict)
        label, sep, value = line.partition(":")
        key = labels.get(label.strip().lower())
        if not sep or key is None:
            current["details"] = f"{current.get('details', '')} {line.strip()}".strip()
            continue
        current[key] = value.strip()
    if current:
        sections.append(_section(current, language, source))
    return sections


PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _fill(line: str, values: dict[str, Any] | None, where: str, strict: bool) -> str:
    """The line with its {placeholders} filled; a stray brace (or, when `strict`, an unknown placeholder) is an
    error at `where`; otherwise an unknown placeholder is left as written."""
    if "{" not in line and "}" not in line:
        return line
    if values is None:
        return line
    stray = PLACEHOLDER.sub("", line)
    if "{" in stray or "}" in stray:
        raise KnowledgeError(f"{where}: a brace without its pair; placeholders are written {{name}}: {line.strip()!r}")
    unknown = [name for name in PLACEHOLDER.findall(line) if name not in values]
    if unknown and strict:
        raise KnowledgeError(f"{where}: unknown placeholder {{{unknown[0]}}}; known: {', '.join(sorted(values))}")
    return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), line)


def _section(raw: dict[str, Any], language: str, source: str) -> Section:
    if not raw.get("answer"):
        raise KnowledgeError(f"{source}:{raw['line']}: section {raw['id']!r} has no answer line")
    return Section(
        id=raw["id"],
        language=language,
        title=raw["title"],
        answer=raw["answer"],
        details=raw.get("details", ""),
        next=raw.get("next", ""),
        keywords=tuple(k.strip() for k in raw.get("keywords", "").split(",") if k.strip()),
        facts=tuple(k.strip() for k in raw.get("facts", "").split(",") if k.strip()),
    )


def read_branches(path: Path) -> list[Branch]:
    """The branches CSV (name, city, region, opens, closes, hours_source, aliases separated by ';')."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Branch(
                name=row["name"].strip(),
                city=row["city"].strip(),
                region=row["region"].strip(),
                opens=row["opens"].strip(),
                closes=row["closes"].strip(),
                hours_source=row["hours_source"].strip(),
                aliases=tuple(a.strip() for a in (row.get("aliases") or "").split(";") if a.strip()),
            )
            for row in csv.DictReader(handle)
        ]
