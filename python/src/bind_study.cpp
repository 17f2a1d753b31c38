// Storage and Study bindings, including the optimize loop: the C++ loop runs with the GIL released
// and takes it only to call the Python objective and callbacks. With n_jobs > 1 the loop runs on a
// helper thread so the main thread can keep checking for Ctrl-C.
#include <nanobind/nanobind.h>
#include <nanobind/stl/map.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/unique_ptr.h>
#include <nanobind/stl/vector.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "bindings.hpp"
#include "convert.hpp"
#include "hyperscout/common/error.hpp"
#include "hyperscout/registry.hpp"

namespace hyperscout::python {

namespace {

std::vector<StudyDirection> ParseDirections(const std::vector<std::string>& names) {
  std::vector<StudyDirection> out;
  for (const auto& name : names) out.push_back(ParseStudyDirection(name));
  return out;
}

std::string Describe(const nb::python_error& e) {
  return nb::cast<std::string>(nb::repr(e.value()));
}

// The objective's return value as one double per direction; anything else fails the trial, as a
// crashed objective would.
std::vector<double> ResultToValues(nb::handle result) {
  if (PyFloat_Check(result.ptr()) || PyLong_Check(result.ptr())) return {nb::cast<double>(result)};
  if (!result.is_none() && !PyUnicode_Check(result.ptr())) {
    if (nb::hasattr(result, "__float__") && !nb::hasattr(result, "__len__")) {
      return {nb::cast<double>(result.attr("__float__")())};
    }
    if (nb::hasattr(result, "__len__") && nb::hasattr(result, "__iter__")) {
      std::vector<double> out;
      for (nb::handle item : result) {
        if (!nb::hasattr(item, "__float__")) {
          throw std::runtime_error("the objective returned a sequence holding " +
                                   nb::cast<std::string>(nb::repr(item)) + "; every value must be a number");
        }
        out.push_back(nb::cast<double>(item.attr("__float__")()));
      }
      return out;
    }
  }
  throw std::runtime_error("the objective returned " + nb::cast<std::string>(nb::repr(result)) +
                           "; return a float (or a sequence of floats, one per direction)");
}

struct PythonErrorSlot {
  std::mutex mutex;
  std::exception_ptr error;  // the first Python exception that must reach the caller

  // Called inside a catch block for nb::python_error, with the GIL held.
  void Remember(Study& study) {
    std::lock_guard lock(mutex);
    if (!error) error = std::current_exception();
    study.Stop();
  }
};

void WarnTrialFailed(int64_t number, const std::string& message) {
  nb::module_::import_("logging")
      .attr("getLogger")("hyperscout")
      .attr("warning")("Trial %d failed: %s", number, message.c_str());
}

void RunOptimize(Study& study, nb::callable run_trial, std::optional<int64_t> n_trials, std::optional<double> timeout,
                 int n_jobs, nb::list callbacks, nb::object catch_types) {
  nb::object trial_pruned = nb::module_::import_("hyperscout.exceptions").attr("TrialPruned");
  PythonErrorSlot slot;

  MultiObjectiveFn objective = [&](Trial& trial) -> std::vector<double> {
    nb::gil_scoped_acquire gil;
    try {
      nb::object result = run_trial(nb::cast(&trial, nb::rv_policy::reference));
      return ResultToValues(result);
    } catch (nb::python_error& e) {
      if (e.matches(trial_pruned)) throw TrialPruned();
      const std::string message = Describe(e);
      WarnTrialFailed(trial.number(), message);
      if (catch_types.is_none() || !e.matches(catch_types)) slot.Remember(study);
      throw std::runtime_error(message);  // recorded as FAIL with this fail_reason
    } catch (const std::runtime_error& e) {
      WarnTrialFailed(trial.number(), e.what());
      throw;
    }
  };

  OptimizeOptions options;
  options.n_trials = n_trials;
  options.timeout = timeout;
  options.n_jobs = n_jobs;
  options.catch_exceptions = true;  // which exceptions stop the study is decided above, by `catch`
  for (nb::handle callback : callbacks) {
    options.callbacks.push_back([callback, &slot](Study& s, const FrozenTrial& frozen) {
      nb::gil_scoped_acquire gil;
      try {
        callback(StudyToPy(s), frozen);
      } catch (nb::python_error& e) {
        slot.Remember(s);
        throw std::runtime_error("a callback raised " + Describe(e));
      }
    });
  }

  std::exception_ptr loop_error;
  std::optional<nb::python_error> interrupt;
  if (n_jobs <= 1) {
    nb::gil_scoped_release release;
    try {
      study.Optimize(objective, options);
    } catch (...) {
      loop_error = std::current_exception();
    }
  } else {
    std::mutex mutex;
    std::condition_variable finished;
    bool done = false;
    std::thread runner;
    {
      nb::gil_scoped_release release;
      runner = std::thread([&] {
        try {
          study.Optimize(objective, options);
        } catch (...) {
          loop_error = std::current_exception();
        }
        std::lock_guard lock(mutex);
        done = true;
        finished.notify_all();
      });
    }
    while (true) {
      {
        nb::gil_scoped_release release;
        std::unique_lock lock(mutex);
        if (finished.wait_for(lock, std::chrono::milliseconds(100), [&] { return done; })) break;
      }
      if (!interrupt && PyErr_CheckSignals() != 0) {
        interrupt.emplace();  // takes the pending KeyboardInterrupt; running trials finish first
        study.Stop();
      }
    }
    nb::gil_scoped_release release;
    runner.join();
  }
  if (interrupt) throw std::move(*interrupt);
  if (slot.error) std::rethrow_exception(slot.error);
  if (loop_error) std::rethrow_exception(loop_error);
}

}  // namespace

void BindStudy(nb::module_& m) {
  nb::class_<Storage>(m, "Storage", "A storage backend opened from a URL (memory://, sqlite:///path.db).");
  m.def(
      "open_storage",
      [](const std::string& url) {
        nb::gil_scoped_release release;
        return OpenStorage(url);
      },
      nb::arg("url"));
  m.def(
      "all_study_names",
      [](const std::shared_ptr<Storage>& storage) {
        std::vector<std::string> names;
        nb::gil_scoped_release release;
        for (const auto& summary : storage->GetAllStudies()) names.push_back(summary.name);
        return names;
      },
      nb::arg("storage"));

  nb::class_<Study>(m, "Study", nb::dynamic_attr(), "The C++ study (wrapped by hyperscout.Study).")
      .def_static(
          "create",
          [](const std::string& name, std::shared_ptr<Storage> storage, const std::vector<std::string>& directions,
             std::shared_ptr<Sampler> sampler, std::shared_ptr<Pruner> pruner, bool load_if_exists) {
            StudyOptions options;
            options.study_name = name;
            options.storage = std::move(storage);
            options.directions = ParseDirections(directions);
            options.sampler = std::move(sampler);
            options.pruner = std::move(pruner);
            options.load_if_exists = load_if_exists;
            nb::gil_scoped_release release;
            return CreateStudy(std::move(options));
          },
          nb::arg("name"), nb::arg("storage"), nb::arg("directions"), nb::arg("sampler").none(),
          nb::arg("pruner").none(), nb::arg("load_if_exists"))
      .def_static(
          "load",
          [](const std::string& name, std::shared_ptr<Storage> storage, std::shared_ptr<Sampler> sampler,
             std::shared_ptr<Pruner> pruner) {
            nb::gil_scoped_release release;
            return LoadStudy(name, std::move(storage), std::move(sampler), std::move(pruner));
          },
          nb::arg("name"), nb::arg("storage"), nb::arg("sampler").none(), nb::arg("pruner").none())
      .def_static(
          "delete",
          [](const std::string& name, const std::shared_ptr<Storage>& storage) {
            nb::gil_scoped_release release;
            Study::Delete(name, *storage);
          },
          nb::arg("name"), nb::arg("storage"))
      .def_prop_ro("name", &Study::name)
      .def_prop_ro("directions", &Study::directions)
      .def_prop_ro("storage", &Study::storage_ptr)
      .def(
          "ask",
          [](Study& study, nb::handle fixed) {
            const SearchSpace space = PyToSearchSpace(fixed, "fixed_distributions");
            nb::gil_scoped_release release;
            return study.Ask(space);
          },
          nb::arg("fixed_distributions").none() = nb::none(), nb::keep_alive<0, 1>())
      .def(
          "tell",
          [](Study& study, int64_t number, const std::vector<double>& values, TrialState state,
             const std::optional<std::vector<double>>& constraints) {
            nb::gil_scoped_release release;
            return study.Tell(number, values, state, constraints);
          },
          nb::arg("number"), nb::arg("values"), nb::arg("state"), nb::arg("constraints").none() = nb::none())
      .def("optimize", &RunOptimize, nb::arg("run_trial"), nb::arg("n_trials").none(), nb::arg("timeout").none(),
           nb::arg("n_jobs"), nb::arg("callbacks"), nb::arg("catch_types").none())
      .def("stop", &Study::Stop)
      .def(
          "enqueue_trial",
          [](Study& study, nb::dict params, nb::handle user_attrs) {
            std::map<std::string, ParamValue> values;
            for (auto [key, value] : params) {
              const auto name = nb::cast<std::string>(key);
              values[name] = PyToParamValue(value, "params['" + name + "']");
            }
            std::map<std::string, Json> attrs = PyToAttrs(user_attrs, "user_attrs");
            nb::gil_scoped_release release;
            study.EnqueueTrial(values, attrs);
          },
          nb::arg("params"), nb::arg("user_attrs").none() = nb::none())
      .def("add_trial", &Study::AddTrial, nb::arg("trial"), nb::call_guard<nb::gil_scoped_release>())
      .def("best_trial", &Study::BestTrial, nb::call_guard<nb::gil_scoped_release>())
      .def("best_trials", &Study::BestTrials, nb::call_guard<nb::gil_scoped_release>())
      .def(
          "trials",
          [](const Study& study, const std::vector<TrialState>& states) {
            nb::gil_scoped_release release;
            return study.Trials(states);
          },
          nb::arg("states"))
      .def(
          "set_user_attr",
          [](Study& study, const std::string& key, nb::handle value) {
            Json json = PyToJson(value, "user attribute '" + key + "'");
            nb::gil_scoped_release release;
            study.SetUserAttr(key, json);
          },
          nb::arg("key"), nb::arg("value"))
      .def("user_attrs", [](const Study& study) {
        std::map<std::string, Json> attrs;
        {
          nb::gil_scoped_release release;
          attrs = study.UserAttrs();
        }
        nb::dict out;
        for (const auto& [key, value] : attrs) out[nb::str(key.c_str())] = JsonToPy(value);
        return out;
      });
}

}  // namespace hyperscout::python
