// hyperscout_storage_worker URL STUDY N SEED: one worker process of the multi-process storage test.
// Opens (or, racing the other workers, creates) STUDY in the storage at URL and runs N trials with the
// random sampler. Exit status 0 on success; 1 with one line on stderr otherwise.
#include <cstdio>
#include <exception>
#include <string>

#include "hyperscout/registry.hpp"
#include "hyperscout/samplers/random.hpp"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s URL STUDY N SEED\n", argv[0]);
    return 2;
  }
  try {
    hyperscout::StudyOptions options;
    options.study_name = argv[2];
    options.storage = hyperscout::OpenStorage(argv[1]);
    options.sampler = std::make_shared<hyperscout::RandomSampler>(std::stoull(argv[4]));
    options.load_if_exists = true;
    auto study = hyperscout::CreateStudy(options);
    study->Optimize(
        [](hyperscout::Trial& trial) {
          const double x = trial.SuggestFloat("x", -5.0, 5.0);
          const int64_t n = trial.SuggestInt("n", 1, 8);
          const std::string kind = trial.SuggestCategorical("kind", std::vector<std::string>{"a", "b"});
          return x * x + static_cast<double>(n) + (kind == "a" ? 0.0 : 1.0);
        },
        {.n_trials = std::stoll(argv[3])});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "worker: %s\n", e.what());
    return 1;
  }
  return 0;
}
