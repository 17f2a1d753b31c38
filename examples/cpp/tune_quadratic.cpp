// Embeds hyperscout in a C++ program: a define-by-run objective with a conditional parameter,
// tuned for 60 trials and kept in a SQLite file (or any storage URL given as the first argument).
#include <hyperscout/hyperscout.hpp>

#include <cmath>
#include <iostream>

namespace hs = hyperscout;

namespace {

double Objective(hs::Trial& trial) {
  const double x = trial.SuggestFloat("x", -10.0, 10.0);
  const std::string shape = trial.SuggestCategorical("shape", std::vector<std::string>{"bowl", "valley"});
  if (shape == "bowl") {
    const int64_t power = trial.SuggestInt("power", 2, 4, /*log=*/false, /*step=*/2);
    return std::pow(std::fabs(x - 2.0), static_cast<double>(power));
  }
  const double width = trial.SuggestFloat("width", 1e-2, 10.0, /*log=*/true);
  return 1.0 + (x - 2.0) * (x - 2.0) / width;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string url = argc > 1 ? argv[1] : "memory://";
  try {
    hs::StudyOptions options;
    options.study_name = "quadratic";
    options.storage = hs::OpenStorage(url);
    options.sampler = hs::MakeSampler("random", /*seed=*/7);
    options.load_if_exists = true;
    auto study = hs::CreateStudy(options);
    study->Optimize(Objective, {.n_trials = 60});

    std::cout << "trials: " << study->Trials().size() << "\n";
    std::cout << "best value: " << study->BestValue() << "\n";
    for (const auto& [name, value] : study->BestParams()) {
      std::cout << "  " << name << " = " << hs::ParamValueToString(value) << "\n";
    }
    return study->BestValue() < 2.0 ? 0 : 1;
  } catch (const hs::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
