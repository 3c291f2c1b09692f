"""The production section classifier: header rules where a header matches, the model elsewhere."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import ConfigError
from domain.models import Section
from domain.sections.blocks import BlockModel, block_features, looks_like_header, split_blocks
from domain.sections.header_rules import HeaderRules

MODES = ("rules", "model", "hybrid")


@dataclass(frozen=True)
class BlockClassifier:
    """`mode` rules: header rules alone (unknown headers and paragraphs continue the section
    above). model: every block labelled by the model. hybrid: a block whose header the rules
    know gets the rules' label, every other block the model's."""

    rules: HeaderRules
    model: BlockModel | None
    mode: str = "hybrid"

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ConfigError(f"section classifier mode {self.mode!r}: expected one of {MODES}")
        if self.mode != "rules" and self.model is None:
            raise ConfigError(f"section classifier mode {self.mode!r} needs a block model")

    def is_header(self, line: str) -> bool:
        return self.rules.header_kind(line) is not None or looks_like_header(line)

    def classify(self, text: str) -> tuple[Section, ...]:
        if self.mode == "rules" or self.model is None:
            return self.rules.classify(text)
        hybrid = self.mode == "hybrid"
        opens = (lambda ln: self.rules.body_kind(ln) is not None) if hybrid else None
        blocks = split_blocks(text, self.is_header, opens)
        sections: list[Section] = []
        for i, b in enumerate(blocks):
            kind = None
            if hybrid:
                if b.header is not None:
                    kind = self.rules.header_kind(b.header)
                else:
                    first = text[b.start : min(b.end, b.start + 2000)].lstrip().partition("\n")[0]
                    kind = self.rules.body_kind(first)
            if kind is None:
                body = text[b.start : b.end]
                if b.header is not None:
                    body = body.partition("\n")[2]
                kind, _ = self.model.predict(block_features(b.header, body, i, len(blocks)))
            last = sections[-1] if sections else None
            if last is not None and last.kind == kind and b.header is None:
                sections[-1] = Section(kind, last.start, b.end, last.header)
            else:
                sections.append(Section(kind, b.start, b.end, b.header))
        return tuple(sections)
