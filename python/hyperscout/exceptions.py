"""Exception classes with the C++ library's names.

Every error the C++ core raises arrives as one of these (the translation table is in
python/src/convert.cpp). ``InvalidArgumentError`` is also a ``ValueError`` and
``StudyNotFoundError`` also a ``KeyError``, so code that catches the built-in types keeps working.
"""

from __future__ import annotations

__all__ = [
    "HyperscoutError",
    "InvalidArgumentError",
    "StorageError",
    "DuplicatedStudyError",
    "StudyNotFoundError",
    "UpdateFinishedTrialError",
    "TrialPruned",
]


class HyperscoutError(Exception):
    """Base class of every hyperscout error."""


class InvalidArgumentError(HyperscoutError, ValueError):
    """A value that can never work: an impossible range, an unknown sampler option, ..."""


class StorageError(HyperscoutError):
    """The storage backend failed (I/O, a corrupt file, a lock held past every retry)."""


class DuplicatedStudyError(HyperscoutError):
    """A study with this name already exists; pass load_if_exists=True to reuse it."""


class StudyNotFoundError(HyperscoutError, KeyError):
    """No study with this name in the storage."""

    def __str__(self) -> str:  # KeyError would quote the message
        return Exception.__str__(self)


class UpdateFinishedTrialError(HyperscoutError, RuntimeError):
    """A write to a trial that is already COMPLETE, PRUNED or FAIL."""


class TrialPruned(HyperscoutError):
    """Raise from an objective to end the trial as PRUNED (usually after ``trial.should_prune()``)."""
