// Pieces every command shares: exit codes, the flags that name a study and its storage, and the
// lookups behind them. Everything concrete (samplers, pruners, storages) is resolved through the registry.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/space_file.hpp"
#include "hyperscout/common/error.hpp"
#include "hyperscout/common/json.hpp"
#include "hyperscout/core/frozen_trial.hpp"
#include "hyperscout/core/study.hpp"
#include "hyperscout/storage/storage.hpp"

namespace hyperscout::cli {

// Documented in docs/cli.md.
enum class ExitCode : int { kOk = 0, kRuntime = 1, kUsage = 2, kInterrupted = 130 };

// An error that ends the command with a specific exit code (when the hyperscout error type alone does not say).
class CliError : public Error {
 public:
  CliError(ExitCode code, const std::string& message) : Error(message), code_(code) {}
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

// Maps an exception to the exit code: input problems 2, everything else 1.
ExitCode ExitCodeFor(const std::exception& error);
// Prints the one-line "hyperscout: error: ..." message (newlines folded) to stderr.
void PrintError(const std::string& message);
void PrintWarning(const std::string& message);

// Study attribute keys the CLI keeps on a study.
inline constexpr const char* kSpaceAttr = "cli:space";
inline constexpr const char* kSamplerAttr = "cli:sampler";

inline constexpr const char* kDefaultStorageUrl = "sqlite:///hyperscout.db";

struct StorageFlags {
  std::string storage;  // empty: $HYPERSCOUT_STORAGE, then kDefaultStorageUrl
  std::string study = "default";
};

// Adds --storage and (when `with_study`) --study. `study_required` makes --study mandatory.
void AddStorageFlags(CLI::App& app, StorageFlags& flags, bool with_study = true, bool study_required = false);
std::string ResolveStorageUrl(const StorageFlags& flags);
// Opens through the registry; a SQLite file in a missing directory is an input error named here.
std::shared_ptr<Storage> OpenStorageForCli(const std::string& url);
// Throws StudyNotFoundError with a message that names the storage and how to list studies.
int64_t FindStudyId(Storage& storage, const std::string& study, const std::string& url);

// --direction / --directions; empty when neither was given.
std::vector<StudyDirection> ParseDirections(const std::string& direction, const std::string& directions);
std::string JoinDirections(const std::vector<StudyDirection>& directions);

// KEY=VALUE pairs into a JSON object: VALUE parsed as JSON, else kept as a string.
Json ParseOptionPairs(const std::vector<std::string>& pairs, const std::string& flag);

// The registry's default sampler, or "random" while the default is not built in.
std::string DefaultSamplerName();

// --space FILE and repeatable --param NAME=SPEC together; nullopt when neither gave anything and
// `space_file` is the implicit default that does not exist.
std::optional<Space> LoadSpaceFromFlags(const std::string& space_file, bool space_file_given,
                                        const std::vector<std::string>& param_specs);
std::optional<Space> StoredSpace(Storage& storage, int64_t study_id);
// Stores the space on the study; warns when a different space was stored before.
void StoreSpace(Storage& storage, int64_t study_id, const std::string& study, const Space& space);

// The sampler a command uses: `name` when given, else the one stored on the study by an earlier
// optimize/create, else the registry default. The grid sampler gets its grid from `space` (continuous floats
// split into `grid_points_per_float` points) unless the option search_space lists the values.
inline constexpr int kDefaultGridPointsPerFloat = 5;
std::shared_ptr<Sampler> MakeSamplerForCli(const std::string& name, const Json& options, std::optional<uint64_t> seed,
                                           const std::optional<Space>& space, Storage* storage,
                                           std::optional<int64_t> study_id,
                                           int grid_points_per_float = kDefaultGridPointsPerFloat);
// Loads the study, or creates it when missing. Empty `directions` means "as stored, else minimize"; a
// creation race lost to another process (DuplicatedStudyError) becomes a load. `heartbeat` > 0 makes
// this process beat for its RUNNING trials and reap other workers' stale ones (StudyOptions).
std::unique_ptr<Study> CreateOrLoadStudy(const std::shared_ptr<Storage>& storage, const std::string& name,
                                         const std::vector<StudyDirection>& directions,
                                         std::shared_ptr<Sampler> sampler, std::shared_ptr<Pruner> pruner,
                                         double heartbeat = 0.0, double heartbeat_grace = 0.0);

// Trial formatting shared by trials, best and export.
std::string FormatValue(double value);  // shortest round-trip form, "nan", "inf"
Json TrialToJson(const FrozenTrial& trial, bool verbose);
std::vector<TrialState> ParseStates(const std::vector<std::string>& texts);

// "tty": whether stderr/stdout is a terminal.
bool StderrIsTerminal();
bool StdinIsTerminal();

}  // namespace hyperscout::cli
