"""Parameter distributions, as the C++ core defines them.

``FloatDistribution(low, high, log=False, step=None)``, ``IntDistribution(low, high, log=False, step=1)``
and ``CategoricalDistribution(choices)`` with str, int, float or bool choices (``None`` is not
supported: use a string such as ``"none"``). Samplers see *external* values (what the objective
gets); ``to_internal_repr`` / ``to_external_repr`` convert to and from the float form storage keeps.
"""

from __future__ import annotations

from typing import Any, Union

from hyperscout import _core

FloatDistribution = _core.FloatDistribution
IntDistribution = _core.IntDistribution
CategoricalDistribution = _core.CategoricalDistribution

BaseDistribution = Union[FloatDistribution, IntDistribution, CategoricalDistribution]

__all__ = [
    "BaseDistribution",
    "FloatDistribution",
    "IntDistribution",
    "CategoricalDistribution",
    "to_internal_repr",
    "to_external_repr",
    "distribution_to_json",
    "json_to_distribution",
]


def to_internal_repr(distribution: BaseDistribution, value: Any) -> float:
    """The float form of an external value (a categorical's choice index)."""
    return _core.to_internal_repr(distribution, value)


def to_external_repr(distribution: BaseDistribution, internal: float) -> Any:
    """The external value of a float form."""
    return _core.to_external_repr(distribution, internal)


def distribution_to_json(distribution: BaseDistribution) -> str:
    return _core.distribution_to_json(distribution)


def json_to_distribution(text: str) -> BaseDistribution:
    return _core.json_to_distribution(text)
