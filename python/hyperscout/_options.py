"""Builds the Python classes of the built-in samplers and pruners from the C++ registry.

Each registry entry (registry.hpp ``Samplers()`` / ``Pruners()``) declares its options once, with a
type, a default and a help line. Here those declarations become the classes' keyword arguments,
signatures and docstrings, so a new option in C++ shows up in Python without a change here.
Only the Python class names are chosen on this side (Optuna's names, so imports port).
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Dict, List, Optional

_TYPE_NAMES = {"int": "int", "float": "float", "bool": "bool", "string": "str", "object": "dict"}

_SEED_DOC = (
    "seed : int, optional\n"
    "    Seed of the random streams. A seed and a trial number fix the trial's values, so a sequential\n"
    "    run repeats exactly, also through the hyperscout CLI (default: drawn from the OS)."
)


def _is_required(option: Dict[str, Any]) -> bool:
    # An object option without a default (the grid's search_space) has no sensible default.
    return option["type"] == "object" and option["default"] is None


def _signature(spec: Dict[str, Any], with_seed: bool) -> inspect.Signature:
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    params = [inspect.Parameter("self", kind)]
    options: List[Dict[str, Any]] = spec["options"]
    params += [inspect.Parameter(o["name"], kind) for o in options if _is_required(o)]
    if with_seed:
        params.append(inspect.Parameter("seed", kind, default=None))
    params += [inspect.Parameter(o["name"], kind, default=o["default"]) for o in options if not _is_required(o)]
    return inspect.Signature(params)


def _docstring(spec: Dict[str, Any], with_seed: bool) -> str:
    lines = [spec["summary"][:1].upper() + spec["summary"][1:] + ".", "", f"Registry name: ``{spec['name']}``.", ""]
    entries = []
    for option in spec["options"]:
        type_name = _TYPE_NAMES.get(option["type"], option["type"])
        default = "required" if _is_required(option) else f"default {option['default']!r}"
        entries.append(f"{option['name']} : {type_name}, {default}\n    {option['help']}")
    if with_seed:
        entries.insert(sum(_is_required(o) for o in spec["options"]), _SEED_DOC)
    if entries:
        lines += ["Parameters", "----------"] + entries
    return "\n".join(lines)


def build_classes(
    specs: List[Dict[str, Any]],
    class_names: Dict[str, str],
    base: type,
    module: str,
    make: Callable[[Dict[str, Any], Optional[int], Dict[str, Any]], Any],
    with_seed: bool,
) -> Dict[str, type]:
    """One class per registry entry named in ``class_names``; ``make(spec, seed, options)`` returns the
    C++ object. Entries without a Python name are still reachable by their registry name."""
    classes: Dict[str, type] = {}
    for spec in specs:
        class_name = class_names.get(spec["name"])
        if class_name is None:
            continue
        signature = _signature(spec, with_seed)

        def __init__(self, *args: Any, _spec=spec, _signature=signature, **kwargs: Any) -> None:
            bound = _signature.bind(self, *args, **kwargs)
            bound.apply_defaults()
            options = dict(bound.arguments)
            del options["self"]
            seed = options.pop("seed", None)
            self._hs_options = dict(options, seed=seed) if with_seed else dict(options)
            self._hs_core = make(_spec, seed, options)

        def __repr__(self) -> str:
            args = ", ".join(f"{k}={v!r}" for k, v in self._hs_options.items())
            return f"{type(self).__name__}({args})"

        __init__.__signature__ = signature  # type: ignore[attr-defined]
        __init__.__doc__ = _docstring(spec, with_seed)
        cls = type(
            class_name,
            (base,),
            {
                "__init__": __init__,
                "__repr__": __repr__,
                "__doc__": _docstring(spec, with_seed),
                "__module__": module,
                "registry_name": spec["name"],
                "_hs_builtin": True,
            },
        )
        cls.__signature__ = inspect.Signature(list(signature.parameters.values())[1:])  # type: ignore[attr-defined]
        classes[class_name] = cls
    return classes
