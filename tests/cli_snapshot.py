"""What `enrich --help` / `enrich-ops --help` promise, as data: the snapshot the CLI test compares.

The snapshot (tests/snapshots/cli_help.json) was first recorded from the argparse CLIs
(worker/cli.py, worker/ops_cli.py at d71c0a7) with `from_argparse`; the click CLIs in cli/ are
read with `from_click` into the same shape. Normalized: whitespace and wrapping, option order and
command order may differ; command names, option names, metavars, defaults, types, choices,
arity, required-ness and help text may not.

    python -m tests.cli_snapshot --write   # re-record from the current click CLIs (deliberate)
    python -m tests.cli_snapshot           # print the current view as JSON
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT / "tests" / "snapshots" / "cli_help.json"
HELP_TEXT = ROOT / "tests" / "snapshots" / "cli_help_argparse.txt"


def _text(value: object) -> str | None:
    """Whitespace-normalized text; click's `\\b` no-rewrap markers dropped."""
    if value is None:
        return None
    words = str(value).replace("\b", " ").split()
    return " ".join(words) or None


def _default(value: object) -> object:
    if value is None or value == () or value == []:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, Path):
        path = str(value)
        return path.replace(str(ROOT), "<repo>", 1) if value.is_absolute() else path
    if isinstance(value, list | tuple):
        return [_default(v) for v in value]
    return str(value)


def _type_name(t: object) -> str:
    name = getattr(t, "name", None)
    if not isinstance(name, str):  # a class (Path, float) or a function (argparse type=)
        name = getattr(t, "__name__", None) or type(t).__name__
    name = str(name).lower().lstrip("_")
    return {"string": "str", "text": "str", "integer": "int", "choice": "str"}.get(name, name)


# -- argparse (the CLIs before the move) ----------------------------------------------------------


def _argparse_param(a: argparse.Action) -> dict[str, Any]:
    flag = isinstance(a, argparse._StoreTrueAction | argparse.BooleanOptionalAction)
    positional = not a.option_strings
    if positional:
        arity = {None: "one", "?": "optional", "*": "any", "+": "some"}.get(a.nargs, str(a.nargs))  # type: ignore[arg-type]
    elif flag:
        arity = "flag"
    elif isinstance(a, argparse._AppendAction):
        arity = "repeat"
    else:
        arity = "one" if a.nargs is None else str(a.nargs)
    metavar = a.metavar
    if isinstance(metavar, tuple):
        metavar = " ".join(metavar)
    return {
        "names": [str(metavar or a.dest).lower()] if positional else sorted(a.option_strings),
        "metavar": None if positional else metavar,
        "default": _default(a.default),
        "type": "bool" if flag else _type_name(a.type or str),
        "choices": list(a.choices) if a.choices else None,
        "arity": arity,
        "required": bool(a.required) if not positional else arity in ("one", "some"),
        "help": _text(a.help),
    }


def _argparse_command(p: argparse.ArgumentParser, summary: str | None) -> dict[str, Any]:
    params = [
        _argparse_param(a)
        for a in p._actions
        if not isinstance(a, argparse._HelpAction | argparse._SubParsersAction)
    ]
    groups = [
        sorted(o for a in g._group_actions for o in a.option_strings[:1])
        for g in p._mutually_exclusive_groups
    ]
    out: dict[str, Any] = {
        "summary": _text(summary),
        "description": _text(p.description),
        "epilog": _text(p.epilog),
        "params": sorted(params, key=lambda x: x["names"]),
        "one_of": sorted(groups),
    }
    subs = [a for a in p._actions if isinstance(a, argparse._SubParsersAction)]
    if subs:
        helps = {c.dest: c.help for c in subs[0]._choices_actions}
        out["commands"] = {
            name: _argparse_command(sp, helps.get(name)) for name, sp in subs[0].choices.items()
        }
    return out


def from_argparse(parser: argparse.ArgumentParser) -> dict[str, Any]:
    return _argparse_command(parser, None)


# -- click (the CLIs in cli/) ---------------------------------------------------------------------


def _click_param(p: Any) -> dict[str, Any]:
    import click

    positional = isinstance(p, click.Argument)
    flag = not positional and (p.is_flag or bool(p.secondary_opts))
    if positional:
        many = p.nargs == -1
        arity = ("some" if p.required else "any") if many else ("one" if p.required else "optional")
    elif flag:
        arity = "flag"
    elif p.multiple:
        arity = "repeat"
    else:
        arity = "one" if p.nargs == 1 else str(p.nargs)
    t = p.type
    default = p.default
    if type(default).__name__ == "Sentinel":  # click >= 8.3: not given = False (flag) / None
        default = False if flag else None
    return {
        "names": [str(p.metavar or p.name).lower()]
        if positional
        else sorted([*p.opts, *p.secondary_opts]),
        "metavar": None if positional else p.metavar,
        "default": _default(default),
        "type": "bool" if flag else _type_name(t),
        "choices": list(t.choices) if isinstance(t, click.Choice) else None,
        "arity": arity,
        "required": arity in ("one", "some") if positional else bool(p.required),
        "help": _text(getattr(p, "help_text", None) if positional else p.help),
    }


def _click_command(cmd: Any) -> dict[str, Any]:
    import click

    params = [_click_param(p) for p in cmd.params if p.name != "help"]
    out: dict[str, Any] = {
        "summary": _text(cmd.short_help),
        "description": _text(cmd.help),
        "epilog": _text(cmd.epilog),
        "params": sorted(params, key=lambda x: x["names"]),
        "one_of": sorted(sorted(g) for g in getattr(cmd, "one_of", [])),
    }
    if isinstance(cmd, click.Group):
        out["commands"] = {name: _click_command(c) for name, c in cmd.commands.items()}
    return out


def from_click(group: Any) -> dict[str, Any]:
    out = _click_command(group)
    out["summary"] = None
    return out


def current() -> dict[str, dict[str, Any]]:
    """The view of the installed CLIs: click groups in cli/ (argparse parsers before the move)."""
    try:
        from cli.enrich import enrich
        from cli.enrich_ops import enrich_ops
    except ImportError:  # before the move: the argparse parsers
        from worker import cli, ops_cli

        return {
            "enrich": from_argparse(cli.build_parser()),
            "enrich-ops": from_argparse(ops_cli.build_parser()),
        }
    return {"enrich": from_click(enrich), "enrich-ops": from_click(enrich_ops)}


def help_texts() -> str:
    """`--help` of both programs and every subcommand, as printed (for people to diff)."""
    import contextlib
    import io

    from cli.enrich import main as enrich_main
    from cli.enrich_ops import main as ops_main

    chunks = []
    for prog, main in (("enrich", enrich_main), ("enrich-ops", ops_main)):
        for sub in ["", *current()[prog]["commands"]]:
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf), contextlib.suppress(SystemExit):
                main([sub, "--help"] if sub else ["--help"])
            chunks.append(f"$ {prog} {sub} --help\n{buf.getvalue()}")
    return "\n".join(chunks)


if __name__ == "__main__":
    view = json.dumps(current(), indent=1, sort_keys=True) + "\n"
    if "--write" in sys.argv:
        SNAPSHOT.write_text(view, encoding="utf-8")
        print(f"wrote {SNAPSHOT}", file=sys.stderr)
    else:
        sys.stdout.write(view)
