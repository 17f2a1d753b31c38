"""Chooses which build of the compiled extension this process loads as ``hyperscout._core``.

A wheel built on x86-64 carries two builds of the same extension: ``_core`` for the x86-64 baseline (SSE2
only, runs anywhere) and ``_core_x86_64_v3`` for CPUs with AVX2, FMA and the rest of x86-64-v3, whose GP
sampler is about twice as fast. Both initialize as ``_core`` (python/CMakeLists.txt), so whichever is chosen
is loaded under that one name and every ``from hyperscout import _core`` gets it. A process loads one build
and keeps it; the other is never imported.

``$HYPERSCOUT_CPU_LEVEL`` overrides the choice: ``portable`` or ``x86-64-v3``; unset or empty lets the
package decide (the x86-64-v3 build when it is installed and the CPU has every feature of that level).
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import os
import platform
import sys
from types import ModuleType
from typing import Iterable, List, Optional

ENV_VAR = "HYPERSCOUT_CPU_LEVEL"
PORTABLE = "portable"
X86_64_V3 = "x86-64-v3"
LEVELS = (PORTABLE, X86_64_V3)

_MODULE = "hyperscout._core"
_V3_FILE_STEM = "_core_x86_64_v3"
# The x86-64-v3 features as /proc/cpuinfo names them (LZCNT is "abm"), the same list as scripts/cpu-level.
_V3_CPUINFO_FLAGS = ("avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave")


def missing_x86_64_v3_features(cpuinfo: str = "/proc/cpuinfo") -> Optional[List[str]]:
    """The x86-64-v3 features this CPU lacks (empty: it has them all); None when this cannot be told.

    Only Linux on x86-64 is checked (from the kernel's CPU flags); on any other system the answer is None.
    """
    if platform.machine().lower() not in ("x86_64", "amd64") or not sys.platform.startswith("linux"):
        return None
    try:
        with open(cpuinfo, encoding="utf-8", errors="replace") as f:
            flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), None)
    except OSError:
        return None
    if flags is None:
        return None
    return [flag for flag in _V3_CPUINFO_FLAGS if flag not in flags]


def _find_v3_build(package_path: Iterable[str]) -> Optional[str]:
    for directory in package_path:
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = os.path.join(directory, _V3_FILE_STEM + suffix)
            if os.path.isfile(path):
                return path
    return None


def _load_file_as_core(path: str) -> ModuleType:
    loader = importlib.machinery.ExtensionFileLoader(_MODULE, path)
    spec = importlib.util.spec_from_file_location(_MODULE, path, loader=loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[_MODULE] = module
    try:
        loader.exec_module(module)
    except BaseException:
        del sys.modules[_MODULE]
        raise
    return module


def _check_level(requested: str) -> None:
    if requested not in ("",) + LEVELS:
        raise ImportError(f"{ENV_VAR}={requested!r} is not a CPU level: use {' or '.join(LEVELS)}, "
                          "or leave it unset to choose by this CPU")


def use_x86_64_v3_build(requested: str, missing: Optional[List[str]], v3_build_installed: bool) -> bool:
    """Whether to load the x86-64-v3 build rather than ``_core``.

    ``requested`` is ``$HYPERSCOUT_CPU_LEVEL`` ("" when unset) and ``missing`` the result of
    ``missing_x86_64_v3_features()``. Raises ImportError for a value that is not a level, or x86-64-v3 asked for
    on a CPU known to lack it. Unset: x86-64-v3 only when the CPU is known to have every feature.
    """
    _check_level(requested)
    if requested == X86_64_V3 and missing:
        raise ImportError(f"{ENV_VAR}=x86-64-v3, but this CPU lacks {', '.join(missing)} (from /proc/cpuinfo); "
                          f"unset {ENV_VAR} or set it to portable")
    wanted = requested == X86_64_V3 or (not requested and missing == [])
    return wanted and v3_build_installed


def load_core(package_path: Iterable[str]) -> ModuleType:
    """Imports the chosen build as ``hyperscout._core`` (or returns the one this process already loaded)."""
    requested = os.environ.get(ENV_VAR, "")
    module = sys.modules.get(_MODULE)
    if module is not None:  # an earlier import of the package chose; a process never loads a second build
        _check_level(requested)
        if requested and module.cpu_level != requested:
            raise ImportError(f"{ENV_VAR}={requested}, but this process already loaded the {module.cpu_level} "
                              "build of hyperscout's extension; set the variable before the first import")
        return module
    v3_build = _find_v3_build(package_path)
    if use_x86_64_v3_build(requested, missing_x86_64_v3_features(), v3_build is not None):
        module = _load_file_as_core(v3_build)
    else:
        module = importlib.import_module(_MODULE)
    if requested and module.cpu_level != requested:
        raise ImportError(f"{ENV_VAR}={requested}, but this installation of hyperscout has no {requested} build of "
                          f"its extension, only {module.cpu_level} ({module.__file__}); unset {ENV_VAR}, or "
                          "reinstall hyperscout with the default build options")
    return module
