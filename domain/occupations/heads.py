"""The head noun of a posting title when the title puts it elsewhere (coder v5).

Google-style titles name the role in two shapes the O*NET titles never use, and the coder read
only their first comma piece's words:

- a bare role word with its field after a comma: "Manager, Corporate Communications" was read as
  "manager"; `with_comma_field` reads "corporate communications manager";
- "Head of X": `head_of_as_manager` reads "X manager" ("head of inside sales" -> "inside sales
  manager"; O*NET lists managers, not heads).

Tried and dropped (dev 6d top-1 0.497 -> 0.490, 2d equal): "X Lead" read as "X manager".

Inputs are lowercased, folded title pieces / normalized words; outputs are words to match. Pure:
no I/O, never raises.
"""

from __future__ import annotations

from domain.occupations.roles import words_set

# Role words that name no occupation without their field.
BARE_ROLES = words_set(
    "manager managers analyst analysts director specialist specialists consultant lead head "
    "engineer associate coordinator strategist partner"
)


def with_comma_field(words: list[str], next_piece: str | None) -> list[str]:
    """['manager'] + 'corporate communications' -> ['corporate', 'communications', 'manager'];
    unchanged unless `words` is one bare role word and a next piece has words."""
    if len(words) != 1 or words[0] not in BARE_ROLES or not next_piece:
        return words
    field = next_piece.split()
    if not field or len(field) > 6:
        return words
    return [*field, words[0]]


def head_of_as_manager(words: list[str]) -> list[str]:
    """['head', 'of', 'inside', 'sales'] -> ['inside', 'sales', 'manager']; unchanged otherwise."""
    if len(words) > 2 and words[0] == "head" and words[1] == "of":
        return [*words[2:], "manager"]
    return words
