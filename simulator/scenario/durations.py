"""Duration distributions of the schema (sampled by :mod:`simulator.distributions`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from simulator.scenario.base import Probability, Strict, check_sums_to_one

# ------------------------------------------------------------------------------------ distributions

TimeUnit = Literal["days", "working_days", "weeks", "months", "years"]


class _Dist(Strict):
    unit: TimeUnit = Field("weeks", description="Unit of the sampled value.")


class Fixed(_Dist):
    kind: Literal["fixed"]
    value: float = Field(ge=0, description="The constant duration.")


class Exponential(_Dist):
    kind: Literal["exponential"]
    mean: float = Field(gt=0, description="Mean duration.")


class Uniform(_Dist):
    kind: Literal["uniform"]
    low: float = Field(ge=0)
    high: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) must be ≥ low ({self.low})")
        return self


class Lognormal(_Dist):
    kind: Literal["lognormal"]
    mean: float = Field(gt=0, description="Mean of the duration (not of its log).")
    cv: float = Field(gt=0, le=10, description="Coefficient of variation (sd / mean).")


class Quantiles(_Dist):
    """Piecewise-linear inverse CDF through (probability, value) points; probs start at 0, end at 1."""

    kind: Literal["quantiles"]
    probs: list[Probability] = Field(min_length=2)
    values: list[Annotated[float, Field(ge=0)]] = Field(min_length=2)

    @model_validator(mode="after")
    def _monotone(self) -> Quantiles:
        if len(self.probs) != len(self.values):
            raise ValueError("probs and values must have the same length")
        if self.probs[0] != 0.0 or self.probs[-1] != 1.0:
            raise ValueError("probs must start at 0 and end at 1")
        if any(b <= a for a, b in zip(self.probs, self.probs[1:])):
            raise ValueError("probs must be strictly increasing")
        if any(b < a for a, b in zip(self.values, self.values[1:])):
            raise ValueError("values must be non-decreasing")
        return self


class Binned(_Dist):
    """A bin chosen by its share, then a uniform value inside it (e.g. DfE CP plan lengths)."""

    kind: Literal["binned"]
    edges: list[Annotated[float, Field(ge=0)]] = Field(min_length=2, description="Bin edges.")
    shares: list[Probability] = Field(min_length=1, description="Share per bin, summing to 1.")

    @model_validator(mode="after")
    def _consistent(self) -> Binned:
        if len(self.edges) != len(self.shares) + 1:
            raise ValueError(
                f"edges needs one more entry than shares ({len(self.edges)} edges, {len(self.shares)} shares)"
            )
        if any(b <= a for a, b in zip(self.edges, self.edges[1:])):
            raise ValueError("edges must be strictly increasing")
        check_sums_to_one(self.shares, "shares")
        return self


Duration = Annotated[
    Fixed | Exponential | Uniform | Lognormal | Quantiles | Binned, Field(discriminator="kind")
]
