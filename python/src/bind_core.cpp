// Bindings of the value types: distributions, trial states, study directions, FrozenTrial and the
// live Trial. Calls that reach storage or the sampler release the GIL.
#include <nanobind/nanobind.h>
#include <nanobind/stl/map.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <cmath>

#include "bindings.hpp"
#include "convert.hpp"
#include "hyperscout/common/error.hpp"
#include "hyperscout/core/frozen_trial.hpp"
#include "hyperscout/core/trial.hpp"

namespace hyperscout::python {

namespace {

nb::object Timestamp(const std::optional<double>& seconds) {
  if (!seconds) return nb::none();
  return nb::module_::import_("datetime").attr("datetime").attr("fromtimestamp")(*seconds);
}

std::string FloatRepr(double value) {
  return nb::cast<std::string>(nb::repr(nb::float_(value)));
}

nb::dict ParamsToPy(const std::map<std::string, ParamValue>& params) {
  nb::dict out;
  for (const auto& [name, value] : params) out[nb::str(name.c_str())] = ParamValueToPy(value);
  return out;
}

nb::dict AttrsToPy(const std::map<std::string, Json>& attrs) {
  nb::dict out;
  for (const auto& [key, value] : attrs) out[nb::str(key.c_str())] = JsonToPy(value);
  return out;
}

nb::object ValuesToPy(const std::vector<double>& values) {
  if (values.empty()) return nb::none();
  nb::list out;
  for (double v : values) out.append(nb::float_(v));
  return out;
}

void BindDistributions(nb::module_& m) {
  nb::class_<FloatDistribution>(m, "FloatDistribution",
                                "A float parameter in [low, high], optionally on a log scale or a step grid.")
      .def(
          "__init__",
          [](FloatDistribution* self, double low, double high, bool log, std::optional<double> step) {
            new (self)
                FloatDistribution(std::get<FloatDistribution>(Validated(FloatDistribution{low, high, log, step})));
          },
          nb::arg("low"), nb::arg("high"), nb::arg("log") = false, nb::arg("step") = nb::none())
      .def_ro("low", &FloatDistribution::low)
      .def_ro("high", &FloatDistribution::high)
      .def_ro("log", &FloatDistribution::log)
      .def_ro("step", &FloatDistribution::step)
      .def("__eq__", [](const FloatDistribution& a, const FloatDistribution& b) { return a == b; })
      .def("__eq__", [](const FloatDistribution&, nb::handle) { return false; })
      .def("__hash__",
           [](const FloatDistribution& d) { return std::hash<double>()(d.low) ^ std::hash<double>()(d.high); })
      .def("__repr__", [](const FloatDistribution& d) {
        return "FloatDistribution(low=" + FloatRepr(d.low) + ", high=" + FloatRepr(d.high) +
               ", log=" + (d.log ? "True" : "False") + ", step=" + (d.step ? FloatRepr(*d.step) : "None") + ")";
      });

  nb::class_<IntDistribution>(m, "IntDistribution",
                              "An integer parameter in [low, high], optionally on a log scale or a step grid.")
      .def(
          "__init__",
          [](IntDistribution* self, int64_t low, int64_t high, bool log, int64_t step) {
            new (self) IntDistribution(std::get<IntDistribution>(Validated(IntDistribution{low, high, log, step})));
          },
          nb::arg("low"), nb::arg("high"), nb::arg("log") = false, nb::arg("step") = 1)
      .def_ro("low", &IntDistribution::low)
      .def_ro("high", &IntDistribution::high)
      .def_ro("log", &IntDistribution::log)
      .def_ro("step", &IntDistribution::step)
      .def("__eq__", [](const IntDistribution& a, const IntDistribution& b) { return a == b; })
      .def("__eq__", [](const IntDistribution&, nb::handle) { return false; })
      .def("__hash__", [](const IntDistribution& d) { return std::hash<int64_t>()(d.low * 31 + d.high); })
      .def("__repr__", [](const IntDistribution& d) {
        return "IntDistribution(low=" + std::to_string(d.low) + ", high=" + std::to_string(d.high) +
               ", log=" + (d.log ? "True" : "False") + ", step=" + std::to_string(d.step) + ")";
      });

  nb::class_<CategoricalDistribution>(m, "CategoricalDistribution", "A choice among str, int, float or bool values.")
      .def(
          "__init__",
          [](CategoricalDistribution* self, nb::iterable choices) {
            CategoricalDistribution d;
            size_t index = 0;
            for (nb::handle choice : choices) {
              d.choices.push_back(PyToParamValue(choice, "choices[" + std::to_string(index++) + "]"));
            }
            new (self) CategoricalDistribution(std::get<CategoricalDistribution>(Validated(d)));
          },
          nb::arg("choices"))
      .def_prop_ro("choices",
                   [](const CategoricalDistribution& d) {
                     nb::list out;
                     for (const auto& c : d.choices) out.append(ParamValueToPy(c));
                     return nb::tuple(out);
                   })
      .def("__eq__", [](const CategoricalDistribution& a, const CategoricalDistribution& b) { return a == b; })
      .def("__eq__", [](const CategoricalDistribution&, nb::handle) { return false; })
      .def("__hash__", [](const CategoricalDistribution& d) { return d.choices.size(); })
      .def("__repr__", [](const CategoricalDistribution& d) {
        nb::list out;
        for (const auto& c : d.choices) out.append(ParamValueToPy(c));
        return "CategoricalDistribution(choices=" + nb::cast<std::string>(nb::repr(nb::tuple(out))) + ")";
      });

  m.def(
      "to_internal_repr",
      [](nb::handle distribution, nb::handle value) {
        const Distribution d = PyToDistribution(distribution, "distribution");
        return ToInternal(d, PyToParamValue(value, "value"));
      },
      nb::arg("distribution"), nb::arg("value"), "The internal float form of an external parameter value.");
  m.def(
      "to_external_repr",
      [](nb::handle distribution, double internal) {
        return ParamValueToPy(ToExternal(PyToDistribution(distribution, "distribution"), internal));
      },
      nb::arg("distribution"), nb::arg("internal"), "The external value of an internal float form.");
  m.def(
      "distribution_to_json",
      [](nb::handle distribution) { return DistributionToJson(PyToDistribution(distribution, "distribution")).dump(); },
      nb::arg("distribution"));
  m.def(
      "json_to_distribution",
      [](const std::string& text) {
        Json json;
        try {
          json = Json::parse(text);
        } catch (const Json::exception& e) {
          throw InvalidArgumentError(std::string("distribution JSON does not parse: ") + e.what());
        }
        return DistributionToPy(DistributionFromJson(json));
      },
      nb::arg("text"));
}

// A FrozenTrial not yet in any storage (hyperscout.trial.create_trial builds one for Study.add_trial):
// parameter values arrive external, as suggest_* returns them, and are stored internal.
void InitFrozenTrial(FrozenTrial* self, TrialState state, const std::vector<double>& values, nb::handle params,
                     nb::handle distributions, nb::handle intermediate_values, nb::handle user_attrs,
                     nb::handle system_attrs, std::optional<double> datetime_start,
                     std::optional<double> datetime_complete) {
  FrozenTrial trial;
  trial.state = state;
  trial.values = values;
  trial.distributions = PyToSearchSpace(distributions, "distributions");
  if (!params.is_none()) {
    for (auto [key, value] : nb::cast<nb::dict>(params)) {
      const auto name = nb::cast<std::string>(key);
      const auto it = trial.distributions.find(name);
      if (it == trial.distributions.end()) {
        throw InvalidArgumentError("params['" + name + "'] has no distribution; pass distributions['" + name + "']");
      }
      try {
        trial.params[name] = ToInternal(it->second, PyToParamValue(value, "params['" + name + "']"));
      } catch (const InvalidArgumentError& e) {
        throw InvalidArgumentError("params['" + name + "']: " + e.what());
      }
    }
  }
  if (!intermediate_values.is_none()) {
    for (auto [step, value] : nb::cast<nb::dict>(intermediate_values)) {
      trial.intermediate_values[nb::cast<int64_t>(step)] = nb::cast<double>(value);
    }
  }
  trial.user_attrs = PyToAttrs(user_attrs, "user_attrs");
  trial.system_attrs = PyToAttrs(system_attrs, "system_attrs");
  trial.datetime_start = datetime_start;
  trial.datetime_complete = datetime_complete;
  new (self) FrozenTrial(std::move(trial));
}

void BindFrozenTrial(nb::module_& m) {
  nb::class_<FrozenTrial>(m, "FrozenTrial", "An immutable snapshot of a trial, as storage returned it.")
      .def("__init__", &InitFrozenTrial, nb::arg("state"), nb::arg("values"), nb::arg("params").none(),
           nb::arg("distributions").none(), nb::arg("intermediate_values").none(), nb::arg("user_attrs").none(),
           nb::arg("system_attrs").none(), nb::arg("datetime_start").none(), nb::arg("datetime_complete").none(),
           "Use hyperscout.trial.create_trial() instead.")
      .def_ro("number", &FrozenTrial::number)
      .def_ro("_trial_id", &FrozenTrial::id)
      .def_ro("state", &FrozenTrial::state)
      .def_prop_ro("values", [](const FrozenTrial& t) { return ValuesToPy(t.values); })
      .def_prop_ro(
          "value",
          [](const FrozenTrial& t) -> nb::object {
            if (t.values.size() > 1) {
              throw InvalidArgumentError(
                  "this trial has several objective values; use FrozenTrial.values for multi-objective studies");
            }
            if (t.values.empty()) return nb::none();
            return nb::float_(t.values[0]);
          })
      .def_prop_ro("params", [](const FrozenTrial& t) { return ParamsToPy(t.ExternalParams()); })
      .def_prop_ro("distributions", [](const FrozenTrial& t) { return SearchSpaceToPy(t.distributions); })
      .def_prop_ro("intermediate_values",
                   [](const FrozenTrial& t) {
                     nb::dict out;
                     for (const auto& [step, value] : t.intermediate_values) out[nb::int_(step)] = nb::float_(value);
                     return out;
                   })
      .def_prop_ro("user_attrs", [](const FrozenTrial& t) { return AttrsToPy(t.user_attrs); })
      .def_prop_ro("system_attrs", [](const FrozenTrial& t) { return AttrsToPy(t.system_attrs); })
      .def_prop_ro("constraints",
                   [](const FrozenTrial& t) {
                     nb::dict out;  // Optuna 5's FrozenTrial.constraints: name -> value
                     for (const auto& [name, value] : t.Constraints()) out[nb::str(name.c_str())] = nb::float_(value);
                     return out;
                   })
      .def_prop_ro("datetime_start", [](const FrozenTrial& t) { return Timestamp(t.datetime_start); })
      .def_prop_ro("datetime_complete", [](const FrozenTrial& t) { return Timestamp(t.datetime_complete); })
      .def_prop_ro("duration",
                   [](const FrozenTrial& t) -> nb::object {
                     const auto seconds = t.DurationSeconds();
                     if (!seconds) return nb::none();
                     return nb::module_::import_("datetime").attr("timedelta")(nb::arg("seconds") = *seconds);
                   })
      .def_prop_ro("last_step", &FrozenTrial::LastStep)
      .def("__eq__", [](const FrozenTrial& a, const FrozenTrial& b) { return a == b; })
      .def("__eq__", [](const FrozenTrial&, nb::handle) { return false; })
      .def("__repr__", [](const FrozenTrial& t) {
        std::string values = t.values.empty() ? "None" : nb::cast<std::string>(nb::repr(ValuesToPy(t.values)));
        return "FrozenTrial(number=" + std::to_string(t.number) + ", state=" + ToString(t.state) +
               ", values=" + values + ", params=" + nb::cast<std::string>(nb::repr(ParamsToPy(t.ExternalParams()))) +
               ")";
      });
}

void BindTrial(nb::module_& m) {
  nb::class_<Trial>(m, "Trial", "The live trial handle (wrapped by hyperscout.Trial).")
      .def_prop_ro("number", &Trial::number)
      .def_prop_ro("_trial_id", &Trial::id)
      .def(
          "suggest_float",
          [](Trial& t, const std::string& name, double low, double high, std::optional<double> step, bool log) {
            nb::gil_scoped_release release;
            return t.SuggestFloat(name, low, high, log, step);
          },
          nb::arg("name"), nb::arg("low"), nb::arg("high"), nb::arg("step").none(), nb::arg("log"))
      .def(
          "suggest_int",
          [](Trial& t, const std::string& name, int64_t low, int64_t high, int64_t step, bool log) {
            nb::gil_scoped_release release;
            return t.SuggestInt(name, low, high, log, step);
          },
          nb::arg("name"), nb::arg("low"), nb::arg("high"), nb::arg("step"), nb::arg("log"))
      .def(
          "suggest",
          [](Trial& t, const std::string& name, nb::handle distribution) {
            const Distribution d = PyToDistribution(distribution, "distribution");
            ParamValue value;
            {
              nb::gil_scoped_release release;
              value = t.Suggest(name, d);
            }
            return ParamValueToPy(value);
          },
          nb::arg("name"), nb::arg("distribution"))
      .def(
          "report",
          [](Trial& t, int64_t step, double value) {
            nb::gil_scoped_release release;
            t.Report(step, value);
          },
          nb::arg("step"), nb::arg("value"))
      .def("should_prune",
           [](Trial& t) {
             nb::gil_scoped_release release;
             return t.ShouldPrune();
           })
      .def(
          "set_user_attr",
          [](Trial& t, const std::string& key, nb::handle value) {
            Json json = PyToJson(value, "user attribute '" + key + "'");
            nb::gil_scoped_release release;
            t.SetUserAttr(key, json);
          },
          nb::arg("key"), nb::arg("value"))
      .def(
          "set_system_attr",
          [](Trial& t, const std::string& key, nb::handle value) {
            Json json = PyToJson(value, "system attribute '" + key + "'");
            nb::gil_scoped_release release;
            t.SetSystemAttr(key, json);
          },
          nb::arg("key"), nb::arg("value"))
      .def(
          "set_constraints",
          [](Trial& t, const std::vector<double>& values) {
            nb::gil_scoped_release release;
            t.SetConstraints(values);
          },
          nb::arg("values"))
      .def(
          "set_constraint",
          [](Trial& t, const std::string& name, double value) {
            nb::gil_scoped_release release;
            return t.SetConstraint(name, value);
          },
          nb::arg("key"), nb::arg("value"))
      .def_prop_ro("params", [](const Trial& t) { return ParamsToPy(t.Params()); })
      .def_prop_ro("distributions", [](const Trial& t) { return SearchSpaceToPy(t.Distributions()); })
      .def_prop_ro("user_attrs", [](const Trial& t) { return AttrsToPy(t.UserAttrs()); })
      .def_prop_ro("system_attrs", [](const Trial& t) { return AttrsToPy(t.Snapshot().system_attrs); })
      .def_prop_ro("datetime_start", [](const Trial& t) { return Timestamp(t.Snapshot().datetime_start); })
      .def_prop_ro("snapshot", [](const Trial& t) { return t.Snapshot(); });
}

}  // namespace

void BindCore(nb::module_& m) {
  nb::enum_<TrialState>(m, "TrialState", "WAITING -> RUNNING -> COMPLETE | PRUNED | FAIL.")
      .value("RUNNING", TrialState::kRunning)
      .value("COMPLETE", TrialState::kComplete)
      .value("PRUNED", TrialState::kPruned)
      .value("FAIL", TrialState::kFail)
      .value("WAITING", TrialState::kWaiting);
  nb::enum_<StudyDirection>(m, "StudyDirection", "Whether the objective is minimized or maximized.")
      .value("MINIMIZE", StudyDirection::kMinimize)
      .value("MAXIMIZE", StudyDirection::kMaximize);
  BindDistributions(m);
  BindFrozenTrial(m);
  BindTrial(m);
}

}  // namespace hyperscout::python
