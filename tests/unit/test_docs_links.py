"""The README and docs/ pages point at things that exist: every relative link and #anchor resolves
(GitHub's heading slugs), every `make X` names a Makefile target, and every `enrich` / `enrich-ops`
command they name is listed by the programs' own --help (run as console scripts, wherever the CLI
code lives)."""

from __future__ import annotations

import functools
import re
import subprocess
import sys
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import pytest

from worker.settings import REPO_ROOT

_FENCE = re.compile(r"^\s*(```|~~~)")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_MAKE = re.compile(r"(?:^|[\s;&|(=])make\s+([a-z][\w-]*)")
_ENRICH = re.compile(r"(?:^|[\s/;&|(=])(enrich(?:-ops)?)((?:\s+[a-z][a-z0-9-]*){1,2})")
_SHELL = {"bash", "sh", "shell", "console"}
_TARGET = re.compile(r"^([A-Za-z][\w-]*)\s*:(?!=)", re.MULTILINE)


def doc_pages(root: Path = REPO_ROOT) -> list[Path]:
    """README.md and every docs/*.md under `root`."""
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def split_code(markdown: str) -> tuple[list[str], list[str]]:
    """(prose lines with inline code removed, code: inline code spans and the lines of fenced
    blocks tagged as shell; an untagged block is a picture or output, not commands)."""
    prose: list[str] = []
    code: list[str] = []
    fence: str | None = None  # the open block's info string
    for line in markdown.splitlines():
        if _FENCE.match(line):
            fence = line.strip().strip("`~").strip() if fence is None else None
            continue
        if fence is not None:
            if fence in _SHELL:
                code.append(line)
            continue
        code.extend(m.group(2) for m in _CODE_SPAN.finditer(line))
        prose.append(_CODE_SPAN.sub(" ", line))
    return prose, code


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: markup and links reduced to their text, lowercased,
    punctuation and symbols dropped (letters, digits, marks, '_' and '-' stay), each space a '-'."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    out = []
    for ch in text.lower():
        cat = unicodedata.category(ch)
        if ch in "-_" or cat[0] in "LNM":
            out.append(ch)
        elif ch == " ":
            out.append("-")
    return "".join(out)


def anchors(markdown: str) -> set[str]:
    """Every heading's anchor in one page; a repeated slug gets -1, -2, ... as on GitHub."""
    seen: dict[str, int] = {}
    found: set[str] = set()
    for line in heading_lines(markdown):
        m = _HEADING.match(line)
        if not m:
            continue
        base = slug(m.group(2))
        n = seen.get(base, 0)
        seen[base] = n + 1
        found.add(base if n == 0 else f"{base}-{n}")
    return found


def heading_lines(markdown: str) -> list[str]:
    """The heading lines outside fenced blocks, inline code reduced to its text (GitHub slugs it)."""
    out: list[str] = []
    in_fence = False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and line.startswith("#"):
            out.append(_CODE_SPAN.sub(lambda m: m.group(2), line))
    return out


def broken_links(pages: Iterable[Path], root: Path) -> list[str]:
    """'page: target (why)' for every relative link that points at no file, or at an anchor its
    page lacks. External links (scheme:) are not fetched."""
    problems: list[str] = []
    for page in pages:
        prose, _ = split_code(page.read_text(encoding="utf-8"))
        for line in prose:
            for target in _LINK.findall(line):
                if re.match(r"^[a-z][a-z0-9+.-]*:", target):
                    continue
                path_part, _, anchor = target.partition("#")
                dest = (page.parent / path_part).resolve() if path_part else page
                where = f"{page.relative_to(root)}: {target}"
                if not dest.exists():
                    problems.append(f"{where} (no such file)")
                elif (
                    anchor
                    and dest.suffix == ".md"
                    and anchor not in anchors(dest.read_text(encoding="utf-8"))
                ):
                    problems.append(f"{where} (no heading with that anchor)")
    return problems


def makefile_targets(root: Path = REPO_ROOT) -> set[str]:
    return set(_TARGET.findall((root / "Makefile").read_text(encoding="utf-8")))


def named_make_targets(pages: Iterable[Path]) -> dict[str, str]:
    """target -> first page naming it, from `make X` in code (spans and blocks)."""
    named: dict[str, str] = {}
    for page in pages:
        _, code = split_code(page.read_text(encoding="utf-8"))
        for snippet in code:
            for target in _MAKE.findall(snippet):
                named.setdefault(target, page.name)
    return named


def named_commands(pages: Iterable[Path]) -> dict[tuple[str, ...], str]:
    """(program, command[, subcommand]) -> first page naming it, from code in the pages."""
    named: dict[tuple[str, ...], str] = {}
    for page in pages:
        _, code = split_code(page.read_text(encoding="utf-8"))
        for snippet in code:
            snippet = snippet.split("#", 1)[0] if not snippet.lstrip().startswith("#") else ""
            for program, words in _ENRICH.findall(snippet):
                named.setdefault((program, *words.split()), page.name)
    return named


def _program(name: str) -> str:
    """The console script next to this interpreter (.venv/bin/enrich), whatever module it runs."""
    return str(Path(sys.executable).parent / name)


@functools.cache
def help_text(*argv: str) -> str | None:
    """`argv --help` output, or None when the program refuses the words (an unknown command:
    argparse and click both exit 2)."""
    run = subprocess.run([_program(argv[0]), *argv[1:], "--help"], capture_output=True, text=True,
                         timeout=60, check=False)  # fmt: skip
    return run.stdout if run.returncode == 0 else None


def listed_commands(help_out: str) -> frozenset[str] | None:
    """Commands a --help output lists (argparse's {a,b} or click's {a|b} choices, click's
    'Commands:' section); None when it lists none (a leaf command)."""
    click = re.search(r"^Commands:\n((?:[ \t]+.*\n?)+)", help_out, re.MULTILINE)
    if click:  # a command's line is indented as the first; its wrapped help more deeply
        lines = click.group(1).splitlines()
        indent = len(lines[0]) - len(lines[0].lstrip())
        return frozenset(ln.split()[0] for ln in lines if len(ln) - len(ln.lstrip()) == indent)
    for braces in re.finditer(r"\{([a-z0-9][a-z0-9,|-]*)\}", help_out):
        before = help_out[: braces.start()].split()
        if before and before[-1].lstrip("[").startswith("-"):
            continue  # an option's choices (`--source {file,pubsub}`), not subcommands
        return frozenset(re.split(r"[,|]", braces.group(1)))
    return None


def unknown_commands(named: dict[tuple[str, ...], str]) -> list[str]:
    """Named commands the programs do not know: `program command --help` must succeed and the
    program's help must list the command. A second word must be listed where the command lists
    subcommands (`enrich fleet start`); elsewhere it is an argument (`enrich-ops profile fast`)."""
    problems: list[str] = []
    for (program, *words), page in sorted(named.items()):
        top = listed_commands(help_text(program) or "")
        listed = top is not None and words[0] in top
        # where the program lists its commands, a listed one needs no run of its own --help
        cmd_help = help_text(program, words[0]) if len(words) > 1 or top is None else ""
        if (top is not None and not listed) or cmd_help is None:
            problems.append(f"{page}: {program} {words[0]}")
            continue
        sub = listed_commands(cmd_help) if len(words) > 1 and cmd_help else None
        if sub is not None and words[1] not in sub:
            problems.append(f"{page}: {program} {words[0]} {words[1]}")
    return problems


def test_every_relative_link_and_anchor_in_the_docs_resolves() -> None:
    pages = doc_pages()
    assert len(pages) > 1, "README.md and docs/*.md"
    assert broken_links(pages, REPO_ROOT) == []


def linked_pages(page: Path) -> set[Path]:
    """The files a page's relative links point at (anchors dropped), resolved."""
    prose, _ = split_code(page.read_text(encoding="utf-8"))
    targets = (t.partition("#")[0] for line in prose for t in _LINK.findall(line))
    return {(page.parent / t).resolve() for t in targets if t and not re.match(r"^[a-z]+:", t)}


def test_every_docs_page_is_linked_from_the_readme() -> None:
    linked = linked_pages(REPO_ROOT / "README.md")
    orphans = [p.name for p in doc_pages()[1:] if p.resolve() not in linked]
    assert orphans == [], (
        f"docs pages no README link leads to (add a row to 'Where the rest is'): {orphans}"
    )


def test_every_make_target_the_docs_name_exists() -> None:
    named = named_make_targets(doc_pages())
    assert {"demo", "test"} <= named.keys()
    missing = {t: page for t, page in named.items() if t not in makefile_targets()}
    assert missing == {}, f"`make X` in the docs but not in the Makefile: {missing}"


def test_every_enrich_command_the_docs_name_exists() -> None:
    named = named_commands(doc_pages())
    assert ("enrich", "extract") in named and ("enrich-ops", "rollback") in named
    assert unknown_commands(named) == []


def test_the_readme_fits_in_250_lines() -> None:
    lines = (REPO_ROOT / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines <= 250, f"README.md has {lines} lines; move detail into docs/"


# The checks themselves, on pages built here: each must catch what it is for.


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("Sections (enrichment 2026.11.5)", "sections-enrichment-2026115"),
        ("Where the fleet's CPU goes", "where-the-fleets-cpu-goes"),
        ("Job clustering (cluster_version 2026.11.1)", "job-clustering-cluster_version-2026111"),
        ("Health, and errors that name their cause", "health-and-errors-that-name-their-cause"),
        ("A newcomer's path: five files", "a-newcomers-path-five-files"),
        ("Production: BigQuery and Pub/Sub", "production-bigquery-and-pubsub"),
        ("`enrich extract` — output", "enrich-extract--output"),
        ("See [Numbers](numbers.md) here", "see-numbers-here"),
    ],
)
def test_slug_follows_github(heading: str, anchor: str) -> None:
    assert slug(heading) == anchor


def test_repeated_headings_get_numbered_anchors() -> None:
    page = "# A\n## Numbers\ntext\n## Numbers\n```\n## Numbers\n```\n## Numbers\n"
    assert anchors(page) == {"a", "numbers", "numbers-1", "numbers-2"}


def test_broken_links_and_anchors_are_reported(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "README.md").write_text(
        "# Top\n## Two commands\n"
        "[ok](#two-commands) [ok](docs/ops.md#roll-back) [web](https://example.org/#x)\n"
        "[bad anchor](#two-command) [bad page](docs/nope.md) [bad there](docs/ops.md#rollback)\n"
        "`[in code](#nowhere)`\n```\n[in a block](#nowhere)\n```\n",
        encoding="utf-8",
    )
    (tmp_path / "docs" / "ops.md").write_text(
        "# Ops\n## Roll back\n[up](../README.md#top) [up, bad](../README.md#tops)\n",
        encoding="utf-8",
    )
    assert broken_links(doc_pages(tmp_path), tmp_path) == [
        "README.md: #two-command (no heading with that anchor)",
        "README.md: docs/nope.md (no such file)",
        "README.md: docs/ops.md#rollback (no heading with that anchor)",
        "docs/ops.md: ../README.md#tops (no heading with that anchor)",
    ]


def test_unknown_make_targets_and_commands_are_reported(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "README.md").write_text(
        "Run `make demo`, then `make demo-all`; make sure it works.\n"
        "```bash\n.venv/bin/enrich fleet start   # then enrich-ops status\n"
        ".venv/bin/enrich fleet restart\n.venv/bin/enrich-ops rollbak --to X\n"
        ".venv/bin/enrich-ops profile fast\n```\n",
        encoding="utf-8",
    )
    pages = doc_pages(tmp_path)
    named = named_make_targets(pages)
    assert named.keys() == {"demo", "demo-all"}
    assert sorted(t for t in named if t not in makefile_targets()) == ["demo-all"]
    assert unknown_commands(named_commands(pages)) == [
        "README.md: enrich fleet restart",
        "README.md: enrich-ops rollbak",
    ]


ARGPARSE_HELP = """usage: enrich [-h] [--debug]
              {bridge,demo,fleet} ...

positional arguments:
  {bridge,demo,fleet}
"""
ARGPARSE_LEAF = "usage: enrich bridge [-h] [--source {file,pubsub}] [input ...]\n"
CLICK_HELP = """Usage: enrich [OPTIONS] COMMAND [ARGS]...

Commands:
  bridge          validate JSONL postings and enqueue them to the fleet
  demo            start the local fleet, enrich the sample postings, print a
                  summary
  fleet           start/stop/status of redis-server, worker, beat and Flower

  exit codes:
    0    done
"""
CLICK_CHOICE = "Usage: enrich fleet [OPTIONS] {start|stop|status}\n"


@pytest.mark.parametrize(
    ("help_out", "commands"),
    [
        (ARGPARSE_HELP, {"bridge", "demo", "fleet"}),
        (ARGPARSE_LEAF, None),
        (CLICK_HELP, {"bridge", "demo", "fleet"}),
        (CLICK_CHOICE, {"start", "stop", "status"}),
    ],
)
def test_listed_commands_reads_argparse_and_click_help(
    help_out: str, commands: set[str] | None
) -> None:
    assert listed_commands(help_out) == (None if commands is None else frozenset(commands))
