"""Building blocks shared by every schema section: strict models, shares, probabilities, field errors."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

CLOSE = "close"
"""Pseudo case type that ends a child's episode in a transition table."""

PROBABILITY_TOLERANCE = 1e-6

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Share = Annotated[float, Field(ge=0.0, lt=1.0)]


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
    """Base for every section: unknown keys are errors, values are validated on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def check_sums_to_one(values, what: str) -> None:
    total = float(sum(values))
    if abs(total - 1.0) > PROBABILITY_TOLERANCE:
        raise ValueError(f"{what} must sum to 1 (they sum to {total:.6g})")
