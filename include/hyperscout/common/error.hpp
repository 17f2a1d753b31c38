// Error hierarchy. Every failure that ends an operation is a hyperscout::Error; each boundary
// (CLI exit codes, Python exception classes) maps these types deliberately. Outcomes a caller
// branches on (a study that does not exist yet when load_if_exists is set, a pruned trial) are
// return values or dedicated types, never generic errors.
#pragma once

#include <stdexcept>
#include <string>

namespace hyperscout {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The caller passed a value that can never work: an impossible range, a malformed space file,
// an unknown sampler name. Fix the input and retry. CLI exit code 2.
class InvalidArgumentError : public Error {
 public:
  using Error::Error;
};

// The storage backend failed (I/O, corrupt file, lock held past every retry). CLI exit code 1.
class StorageError : public Error {
 public:
  using Error::Error;
};

class DuplicatedStudyError : public Error {
 public:
  using Error::Error;
};

class StudyNotFoundError : public Error {
 public:
  using Error::Error;
};

// A write to a trial that is already COMPLETE, PRUNED or FAIL. Finished trials never change.
class UpdateFinishedTrialError : public Error {
 public:
  using Error::Error;
};

// Thrown by an objective to say "this trial was pruned"; Study::Optimize records it as PRUNED.
class TrialPruned : public Error {
 public:
  TrialPruned() : Error("trial pruned") {}
  using Error::Error;
};

}  // namespace hyperscout
