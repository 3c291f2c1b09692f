"""Skill extraction: taxonomy, aliases and the matchers that find skills in posting text."""
