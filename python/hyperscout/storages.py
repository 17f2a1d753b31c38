"""Storage URLs and objects.

``storage`` arguments take ``None`` (a new in-memory storage), a URL string (``"memory://"``,
``"sqlite:///relative.db"``, ``"sqlite:////absolute/path.db"``) or a ``Storage`` object from
``open_storage`` / ``InMemoryStorage()``, which several studies in one process can share.
"""

from __future__ import annotations

from typing import Optional, Union

from hyperscout import _core

__all__ = ["Storage", "open_storage", "InMemoryStorage", "get_storage"]

Storage = _core.Storage


def open_storage(url: str) -> Storage:
    """Opens (creating when needed) the storage a URL names."""
    return _core.open_storage(url)


def InMemoryStorage() -> Storage:  # noqa: N802 - Optuna's class name
    """A storage that lives in this process only."""
    return _core.open_storage("memory://")


def get_storage(storage: Optional[Union[str, Storage]]) -> Storage:
    if storage is None:
        return InMemoryStorage()
    if isinstance(storage, str):
        return open_storage(storage)
    if isinstance(storage, Storage):
        return storage
    raise TypeError(f"storage must be None, a URL string or a hyperscout Storage, got {type(storage).__name__}")
