"""Building blocks shared by every schema section: strict models, shares, probabilities, field errors."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from simulator.text_input import excerpt

CLOSE = "close"
"""Pseudo case type that ends a child's episode in a transition table."""

PROBABILITY_TOLERANCE = 1e-6

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Share = Annotated[float, Field(ge=0.0, lt=1.0)]


CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,39}$")
CODE_RULE = (
    "a pseudonymous code of up to 40 letters, digits and _ . : / -, no spaces, with at least one digit and "
    "at most four letters in a row, e.g. W01 or C0042; a name such as Jane.Smith is refused"
)


def is_code(text: str) -> bool:
    """Whether ``text`` looks like a pseudonymous code rather than a name (:data:`CODE_RULE`)."""
    return bool(CODE_PATTERN.match(text) and re.search(r"\d", text) and not re.search(r"[A-Za-z]{5}", text))


def _check_code(text: str) -> str:
    if not is_code(text):
        raise ValueError(f"{excerpt(text)} is not a valid id (allowed: {CODE_RULE})")
    return text


Code = Annotated[str, AfterValidator(_check_code)]
"""The id of a worker or a case: a code, never a name (ids are echoed into every output)."""


class FieldError(ValueError):
    """A cross-field check that failed at ``loc`` (relative to the model that raised it).

    Pydantic reports errors of a model validator at the model itself; the loader adds ``loc`` so the
    message points at the field to fix (e.g. ``case_types.court.next``) and at the file that set it.
    """

    def __init__(self, loc: tuple[str | int, ...], message: str):
        super().__init__(message)
        self.loc = loc


MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


class Strict(BaseModel):
    """Base for every section: unknown keys are errors, values are validated on assignment, and every
    number must be finite (an infinite duration or week would silently stop the model)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)


def check_sums_to_one(values, what: str) -> None:
    total = float(sum(values))
    if abs(total - 1.0) > PROBABILITY_TOLERANCE:
        raise ValueError(f"{what} must sum to 1 (they sum to {total:.6g})")
