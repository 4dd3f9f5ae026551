"""``--help`` and usage errors as a reader expects them: flags without a ``<bool>`` type, arguments named
in capitals in the usage line (``caseplan run [OPTIONS] SCENARIO``, not typer's ``{scenario}``), and a
bad option value as one ``error:`` line (``--reps 0``), like every other bad input, instead of a box.

:class:`CaseplanTyper` gives every command registered on it (and the group itself) these conventions.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

_REQUIRED_ARGUMENT = re.compile(r"\{([^{}]+)\}")


def _without_flag_types(params: list[Any]) -> list[Any]:
    """``params`` with an empty metavar on each flag (``--json``, ``--help``): a flag takes no value."""
    for param in params:
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    return params


class PlainHelpCommand(TyperCommand):
    """A command whose help shows no ``<bool>`` after flags and ``SCENARIO`` for a required argument."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _without_flag_types(super().get_params(ctx))

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return [_REQUIRED_ARGUMENT.sub(lambda m: m[1].upper(), p) for p in super().collect_usage_pieces(ctx)]

    def invoke(self, ctx: Any) -> Any:
        """Refuse a number option given as nan or inf (click's ranges let them through) before the command runs."""
        for param in self.params:
            value = ctx.params.get(param.name or "")
            if isinstance(value, float) and not math.isfinite(value):
                raise typer.BadParameter(f"must be a finite number (got {value})", ctx=ctx, param=param)
        return super().invoke(ctx)


class PlainHelpGroup(TyperGroup):
    """The command group, with the help conventions of :class:`PlainHelpCommand`; a usage error of a
    command (a value out of range, a missing argument, an unknown option) is one ``error:`` line."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _without_flag_types(super().get_params(ctx))

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except typer.TyperException as exc:  # click's UsageError and BadParameter (vendored by typer)
            if ctx.resilient_parsing or not hasattr(exc, "format_message"):
                raise
            typer.echo(f"error: {usage_error_text(exc)}", err=True)
            raise typer.Exit(getattr(exc, "exit_code", BAD_INPUT)) from None


BAD_INPUT = 2
"""The exit code of bad input (as ``caseplan.cli``)."""


def usage_error_text(exc: Any) -> str:
    """Click's message for a usage error, on one line, with where to read the command's options."""
    message = " ".join(str(exc.format_message()).split()).rstrip(".")
    message = message[:1].lower() + message[1:]
    command = getattr(getattr(exc, "ctx", None), "command_path", None)
    return f"{message} (see '{command} --help')" if command else message


class CaseplanTyper(typer.Typer):
    """A :class:`typer.Typer` whose group and commands use the plain help pages above."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cls=PlainHelpGroup, **kwargs)

    def command(self, name: str | None = None, *, cls: type[TyperCommand] | None = None, **kwargs: Any):  # type: ignore[override]
        return super().command(name, cls=cls or PlainHelpCommand, **kwargs)


def did_you_mean(names: Iterable[str], known: Iterable[str]) -> str:
    """``"did you mean 'unallocated_cases'? "`` for the known names closest to mistyped ``names`` ('' if none).

    Parameters
    ----------
    names : iterable of str
        The names given that are not known.
    known : iterable of str
        The names allowed.

    Returns
    -------
    str
        Ends with a space, to go before the list of allowed names.
    """
    known = list(known)
    close = [m for name in names for m in difflib.get_close_matches(name, known, n=1, cutoff=0.6)]
    return f"did you mean {', '.join(repr(m) for m in dict.fromkeys(close))}? " if close else ""
