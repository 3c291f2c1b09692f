"""Title (and, without a usable title, skills) -> O*NET-SOC 6-digit code and ESCO occupation + ISCO-08.

The SOC side is a linear classifier over TF-IDF word 1-2 and char_wb 2-5 grams of the normalized
title; its confidence is a softmax over the class scores at a temperature fitted on dev titles,
fused (when the coder has `TitleCentroids`) with the cosine of the title's sentence vector to
each occupation's mean title vector: p ~ p_svc * exp(weight * cosine). The
ESCO side is the nearest ESCO label (preferred or alternative, char_wb 2-4 TF-IDF cosine); a posting
without a usable title is coded from its ESCO skills (essential/optional skills of each ESCO
occupation, IDF-weighted overlap), at lower confidence, and its SOC code is the SOC classifier's
answer for that ESCO occupation's name. Pure: the arrays come from adapters/artifacts/occupations.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from domain.occupations.business import HEAD_WEIGHT, head_terms
from domain.occupations.calibration import Calibration
from domain.occupations.code import Alternative as Alternative  # re-exported (v8 move)
from domain.occupations.code import OccupationCode as OccupationCode
from domain.occupations.conventions import CONVENTIONS, Convention, with_conventions
from domain.occupations.esco_pick import VECTOR_WEIGHT, agreeing_top, best_by_meaning, label_vectors
from domain.occupations.foreign import english_words, other_language
from domain.occupations.fusion import MajorGroupPrior, major_groups
from domain.occupations.isco_groups import SAME_CLASS_BONUS, admitted_isco
from domain.occupations.parts import EscoModel as EscoModel  # re-exported (split12 move)
from domain.occupations.parts import SocModel as SocModel
from domain.occupations.parts import TitleCentroids as TitleCentroids
from domain.occupations.parts import esco_vectorizer as esco_vectorizer
from domain.occupations.parts import fitted as fitted
from domain.occupations.parts import title_vectorizers as title_vectorizers
from domain.occupations.skill_groups import SkillGroupModel
from domain.occupations.software import with_developer_readings
from domain.occupations.titles import NormalizedTitle, normalize_title

# A skills-only code is scaled by this: skills say less about an occupation than its title.
SKILLS_CONFIDENCE_SCALE = 0.5
# Fewer linked ESCO skills than this and a posting without title gets no code.
MIN_SKILLS = 3


@dataclass(frozen=True)
class OccupationCoder:
    soc: SocModel
    esco: EscoModel
    titles: TitleCentroids | None = None
    majors: MajorGroupPrior | None = None
    # v4: Engineer titles' Developer reading (software.py; weight chosen: docs/occupations.md);
    # weak titles (sentences naming no role) left to the skills
    developer_forms: bool = True
    developer_weight: float = 0.75
    weak_titles_use_skills: bool = True
    conventions: tuple[Convention, ...] = CONVENTIONS  # v6: the guideline's (conventions.py)
    skill_groups: SkillGroupModel | None = None  # v7: the skills' say on the major group
    isco3_agreement: bool = True  # v8: the ESCO pick's ISCO minor group agrees with the SOC major
    esco_vector_weight: float = VECTOR_WEIGHT  # v8: ESCO labels compared by meaning too
    other_languages_use_skills: bool = True  # v8: a title in another language -> the skills
    head_weight: float = HEAD_WEIGHT  # v9: the head noun's group (business.py); 0: v8
    isco_by_soc_group: bool = True  # v9: the ESCO pick in the SOC group's ISCO groups first
    same_class_bonus: float = SAME_CLASS_BONUS  # v9: inside the SOC group's ISCO groups
    lone_foreign_words: bool = True  # v9: "Vendedor" alone, no language -> the skills (foreign.py)

    calibration: Calibration | None = None  # v9: confidence as P(right), a floor

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """SOC class probabilities of normalized titles, (len(texts), classes)."""
        return self.ranked(texts)[0]

    def ranked(
        self, texts: Sequence[str], skills: Sequence[Sequence[str]] = ()
    ) -> tuple[np.ndarray, np.ndarray]:
        """(probabilities (len(texts), classes), top 3 class indices (len(texts), 3)): the top 3
        by probability, or with `majors` the first chosen group first (MajorGroupPrior.rank),
        with `skill_groups` and each text's skill ids (`skills`) weighing on the group."""
        weight = self.developer_weight if self.developer_forms else 0.0
        p, group_log_p = with_developer_readings(self._scored, texts, weight)
        if self.majors is None or group_log_p is None:
            return p, np.argsort(-p, axis=1, kind="stable")[:, :3]
        if self.skill_groups is None or not len(skills):
            return p, self.majors.rank(p, group_log_p)
        extra, by_class = self.skill_groups.terms(skills)
        # v9: where the skills weigh on the group, the head noun does too (business.py)
        heads = head_terms(
            texts, self.groups, self.head_weight, has_skills=np.asarray(extra.any(axis=1))
        )
        p = p * np.exp(by_class)
        p = p / p.sum(axis=1, keepdims=True)
        return p, self.majors.rank(p, group_log_p, extra=extra if heads is None else extra + heads)

    @cached_property
    def groups(self) -> tuple[str, ...]:
        """The SOC major groups ('XX') in the order of the group decision's columns."""
        return major_groups(self.soc.codes)[0]

    def _scored(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray | None]:
        """(class probabilities, the major-group log-probabilities or None) of normalized titles."""
        x = self.soc.features(texts)
        p = self.soc.probabilities(texts, x)
        if self.titles is not None and len(texts):
            p = self.titles.fuse(p, texts)
        if self.majors is None or not len(texts):
            return p, None
        return p, self.majors.log_probabilities(x, texts)

    @cached_property
    def esco_soc(self) -> np.ndarray:
        """Each ESCO label's SOC class index, as the classifier codes its occupation's preferred
        name (a learned crosswalk keeping the ESCO occupation consistent with the SOC code)."""
        names = [
            normalize_title(label, head_noun=False).text or label for label in self.esco.labels
        ]
        classes = np.argmax(self.soc.scores(names), axis=1)
        return np.asarray(classes[self.esco.label_occupation])

    def code(self, title: str | None, skill_ids: Sequence[str] = ()) -> OccupationCode:
        return self.code_many([(title, skill_ids)])[0]

    def code_many(
        self,
        items: Sequence[tuple[str | None, Sequence[str]]],
        languages: Sequence[str | None] = (),
    ) -> list[OccupationCode]:
        """One OccupationCode per (title, ESCO skill ids); never raises on any title text. v8:
        `languages` (optional, per item) the posting's detected language, ISO 639-1 or None."""
        norms = [normalize_title(t) for t, _ in items]
        langs = list(languages) + [None] * (len(items) - len(languages))
        titled = [
            i
            for i, n in enumerate(norms)
            if not n.empty and not self._skills_decide(n, items[i][0], langs[i])
        ]
        texts = [norms[i].text for i in titled]
        titled_skills = [items[i][1] for i in titled]
        probs, tops = self.ranked(texts, titled_skills) if titled else (None, None)
        if probs is not None and tops is not None:  # v6: the guideline's conventions
            raws = [(norms[i].text, items[i][0]) for i in titled]
            probs, tops = with_conventions(probs, tops, raws, self.soc.codes, self.conventions)
        sims = self.esco.similarities(texts) if titled else None
        q = self._title_vectors(texts) if titled else None
        out: list[OccupationCode] = []
        row = {i: r for r, i in enumerate(titled)}
        for i, ((raw, skills), norm) in enumerate(zip(items, norms, strict=True)):
            if probs is not None and tops is not None and sims is not None and i in row:
                r = row[i]
                qr = None if q is None else q[r]
                out.append(self._from_title(norm, probs[r], tops[r], sims[:, r], qr))
            else:
                out.append(self._from_skills(norm, raw, skills))
        if self.calibration is None:  # v9: calibration.py
            return out
        return self.calibration.apply(out, [s for _, s in items], self.esco.skill_index)

    def _skills_decide(self, norm: NormalizedTitle, raw: str | None, lang: str | None) -> bool:
        """A weak title (a sentence naming no role) is left to the skills (`_from_skills`); so
        is, since v8, a title in another language (foreign.py: "Krankenpfleger (m/w/d)")."""
        if norm.weak and self.weak_titles_use_skills:
            return True
        return self.other_languages_use_skills and other_language(
            norm.text, raw, lang, self.english_words, self.lone_foreign_words
        )

    @cached_property
    def esco_vectors(self) -> np.ndarray | None:
        """v8: the ESCO labels' sentence vectors, when the coder has a title encoder."""
        return (
            None if self.titles is None else label_vectors(self.titles.encode, self.esco.label_text)
        )

    def _title_vectors(self, texts: Sequence[str]) -> np.ndarray | None:
        """v8: the titles' unit sentence vectors (len(texts), dim) when ESCO labels are compared
        by meaning too, else None."""
        if self.titles is None or self.esco_vector_weight <= 0:
            return None
        return np.asarray(self.titles.encode(list(texts)), dtype=np.float32)

    @cached_property
    def english_words(self) -> frozenset[str]:
        """v8: the words of O*NET titles, ESCO labels and (with skill groups) skill names."""
        names = self.skill_groups.vectorizer.vocabulary_ if self.skill_groups else ()
        return english_words(self.soc.word.vocabulary_, self.esco.label_text, names)

    def _soc_code(
        self, p: np.ndarray, top: np.ndarray, confidence_scale: float = 1.0
    ) -> dict[str, Any]:
        alts = tuple(
            Alternative(self.soc.codes[j], self.soc.titles[j], float(p[j]) * confidence_scale)
            for j in top
        )
        j = int(top[0])
        return {
            "soc_code": self.soc.codes[j],
            "soc_title": self.soc.titles[j],
            "onet_code": self.soc.onet[j],
            "alternatives": alts,
            "confidence": float(p[j]) * confidence_scale,
        }

    def _from_title(
        self,
        norm: NormalizedTitle,
        p: np.ndarray,
        top: np.ndarray,
        sims: np.ndarray,
        query: np.ndarray | None = None,
    ) -> OccupationCode:
        soc = self._soc_code(p, top)
        j, major = int(top[0]), self.soc.codes[top[0]][:2]
        same, coarse = self.esco_soc == j, self.esco.in_isco(major)
        fine = self.esco.in_isco(major, 3) if self.isco3_agreement else None
        masks = [same, coarse] if fine is None else [same & fine, fine, coarse]
        groups = admitted_isco(self.soc.codes[j]) if self.isco_by_soc_group else None
        if groups is not None:  # v9: the SOC group's ISCO groups first (isco_groups.py)
            masks = [self.esco.in_isco_groups(groups), *masks]
            sims = sims + self.same_class_bonus * same  # near ties: the learned crosswalk's class
        if query is None or self.esco_vectors is None:
            label = self.esco.best(sims, masks)
        else:  # v8: by meaning too (esco_pick.py)
            label = best_by_meaning(sims, masks, self.esco_vectors, query, self.esco_vector_weight)
        occ = int(self.esco.label_occupation[label])
        return OccupationCode(
            **soc,
            esco_uri=self.esco.uris[occ],
            esco_label=self.esco.labels[occ],
            isco_group=self.esco.isco[occ],
            seniority=norm.seniority,
            method="title",
            normalized_title=norm.text,
        )

    def _from_skills(
        self, norm: NormalizedTitle, raw: str | None, skills: Sequence[str]
    ) -> OccupationCode:
        blank = not (raw or "").strip()
        why = "no_title" if blank else "weak_title" if norm.weak else "title_without_words"
        if not blank and not norm.weak and not norm.empty:
            why = "title_words_unknown"  # v8: not English, or no word O*NET titles use
        occ, share, known = self.esco.from_skills(skills)
        if known < MIN_SKILLS or occ < 0:
            return OccupationCode(seniority=norm.seniority, reason=f"{why}_too_few_skills")
        p, top = self.ranked([normalize_title(self.esco.labels[occ], head_noun=False).text])
        first = top[0]
        if self.isco3_agreement:  # v8: the SOC code agrees with the ESCO occupation's ISCO
            first = agreeing_top(p[0], first, self.soc.codes, self.esco.isco[occ])
        return OccupationCode(
            **self._soc_code(p[0], first, SKILLS_CONFIDENCE_SCALE * share),
            esco_uri=self.esco.uris[occ],
            esco_label=self.esco.labels[occ],
            isco_group=self.esco.isco[occ],
            seniority=norm.seniority,
            method="skills",
            reason=why,
        )
