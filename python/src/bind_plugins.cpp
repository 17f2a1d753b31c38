// Samplers and pruners: the built-in ones are made by name through the registry (their Python
// classes are generated from the registry's OptionSpec lists in hyperscout/_options.py), and Python
// subclasses of hyperscout.samplers.BaseSampler / hyperscout.pruners.BasePruner are driven by the
// C++ study through the adapters below, which take the GIL only for the duration of each call.
#include <nanobind/nanobind.h>
#include <nanobind/stl/map.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "bindings.hpp"
#include "convert.hpp"
#include "hyperscout/common/error.hpp"
#include "hyperscout/pruners/patient.hpp"
#include "hyperscout/registry.hpp"
#include "hyperscout/samplers/cmaes.hpp"

namespace hyperscout::python {

namespace {

// The Python sampler or pruner an adapter drives. The hyperscout.Study that made the adapter holds that object (and a
// live Trial holds its Study), so the adapter keeps only a weak reference when the object allows one. A strong one,
// held from C++, would close a reference cycle the garbage collector cannot see: core study -> adapter -> sampler ->
// its class's methods -> their module's globals -> the study. A study kept in a script's globals next to its sampler
// class would then never be freed, and nanobind reports it as leaked at exit.
class PythonObjectRef {
 public:
  PythonObjectRef(nb::object object, const char* what) : what_(what) {
    PyObject* weak = PyWeakref_NewRef(object.ptr(), nullptr);
    if (weak != nullptr) {
      weak_ = nb::steal(weak);
    } else {  // a class with __slots__ and no __weakref__: keep it alive ourselves
      PyErr_Clear();
      strong_ = std::move(object);
    }
  }

  nb::object Get() const {
    if (strong_.is_valid()) return strong_;
#if PY_VERSION_HEX >= 0x030D0000
    PyObject* target = nullptr;
    if (PyWeakref_GetRef(weak_.ptr(), &target) == 1) return nb::steal(target);
#else
    PyObject* target = PyWeakref_GetObject(weak_.ptr());  // borrowed; None once the object is gone
    if (target != Py_None) return nb::borrow(target);
#endif
    throw InvalidArgumentError(std::string("the Python ") + what_ +
                               " of this study no longer exists (the hyperscout.Study that held it was garbage-"
                               "collected); keep a reference to the study while you use it");
  }

  void Reset() {
    weak_.reset();
    strong_.reset();
  }

 private:
  nb::object weak_;
  nb::object strong_;
  const char* what_;
};

// Forwards each Sampler virtual to the Python method with Optuna's name. Values cross as external
// values (what the Python sampler sees and returns) and are mapped to internal ones here.
class PythonSampler final : public Sampler {
 public:
  explicit PythonSampler(nb::object impl) : impl_(std::move(impl), "sampler") {}
  ~PythonSampler() override {
    if (!Py_IsInitialized()) return;
    nb::gil_scoped_acquire gil;
    impl_.Reset();
  }

  SearchSpace InferRelativeSearchSpace(const Study& study, const FrozenTrial& trial) override {
    nb::gil_scoped_acquire gil;
    nb::object space = Impl().attr("infer_relative_search_space")(StudyToPy(study), trial);
    return PyToSearchSpace(space, "infer_relative_search_space() result");
  }

  std::map<std::string, double> SampleRelative(const Study& study, const FrozenTrial& trial,
                                               const SearchSpace& space) override {
    nb::gil_scoped_acquire gil;
    nb::object result = Impl().attr("sample_relative")(StudyToPy(study), trial, SearchSpaceToPy(space));
    std::map<std::string, double> out;
    if (result.is_none()) return out;
    for (auto [key, value] : nb::cast<nb::dict>(result)) {
      const auto name = nb::cast<std::string>(key);
      const auto it = space.find(name);
      if (it == space.end()) {
        throw InvalidArgumentError("sample_relative() returned '" + name +
                                   "', which is not in the relative search space it was given");
      }
      out[name] = ToInternal(it->second, PyToParamValue(value, "sample_relative()['" + name + "']"));
    }
    return out;
  }

  double SampleIndependent(const Study& study, const FrozenTrial& trial, const std::string& name,
                           const Distribution& distribution) override {
    nb::gil_scoped_acquire gil;
    nb::object value = Impl().attr("sample_independent")(StudyToPy(study), trial, name, DistributionToPy(distribution));
    return ToInternal(distribution, PyToParamValue(value, "sample_independent() for '" + name + "'"));
  }

  void BeforeTrial(Study& study, const FrozenTrial& trial) override {
    nb::gil_scoped_acquire gil;
    Impl().attr("before_trial")(StudyToPy(study), trial);
  }

  void AfterTrial(Study& study, const FrozenTrial& trial, TrialState state,
                  const std::vector<double>& values) override {
    nb::gil_scoped_acquire gil;
    nb::object py_values = nb::none();
    if (!values.empty()) py_values = nb::cast(values);
    Impl().attr("after_trial")(StudyToPy(study), trial, state, py_values);
  }

  void Reseed(uint64_t seed) override {
    nb::gil_scoped_acquire gil;
    if (nb::hasattr(Impl(), "reseed_rng")) Impl().attr("reseed_rng")(seed);
  }

  std::string Name() const override {
    nb::gil_scoped_acquire gil;
    return nb::cast<std::string>(nb::handle(reinterpret_cast<PyObject*>(Py_TYPE(Impl().ptr()))).attr("__name__"));
  }

  nb::object Impl() const { return impl_.Get(); }

 private:
  PythonObjectRef impl_;
};

class PythonPruner final : public Pruner {
 public:
  explicit PythonPruner(nb::object impl) : impl_(std::move(impl), "pruner") {}
  ~PythonPruner() override {
    if (!Py_IsInitialized()) return;
    nb::gil_scoped_acquire gil;
    impl_.Reset();
  }

  bool Prune(const Study& study, const FrozenTrial& trial) override {
    nb::gil_scoped_acquire gil;
    return nb::cast<bool>(nb::bool_(Impl().attr("prune")(StudyToPy(study), trial)));
  }

  std::string Name() const override {
    nb::gil_scoped_acquire gil;
    return nb::cast<std::string>(nb::handle(reinterpret_cast<PyObject*>(Py_TYPE(Impl().ptr()))).attr("__name__"));
  }

  nb::object Impl() const { return impl_.Get(); }

 private:
  PythonObjectRef impl_;
};

nb::list OptionsToPy(const std::vector<OptionSpec>& options) {
  nb::list out;
  for (const auto& option : options) {
    nb::dict item;
    item["name"] = option.name;
    item["type"] = option.type;
    item["default"] = JsonToPy(option.default_value);
    item["help"] = option.help;
    out.append(item);
  }
  return out;
}

// Registry entries (SamplerSpec or PrunerSpec) as a list of {name, summary, options} dicts.
template <class Spec>
nb::list SpecsToPy(const std::vector<Spec>& specs) {
  nb::list out;
  for (const auto& spec : specs) {
    nb::dict item;
    item["name"] = spec.name;
    item["summary"] = spec.summary;
    item["options"] = OptionsToPy(spec.options);
    out.append(item);
  }
  return out;
}

Json OptionsFromPy(nb::handle options) {
  if (options.is_none()) return Json::object();
  return PyToJson(options, "options");
}

}  // namespace

void BindPlugins(nb::module_& m) {
  nb::class_<Sampler>(m, "Sampler", "A sampler made in C++ (built-in) or an adapter around a Python sampler.")
      .def_prop_ro("name", &Sampler::Name)
      .def("reseed", &Sampler::Reseed, nb::arg("seed"), nb::call_guard<nb::gil_scoped_release>());
  nb::class_<PythonSampler, Sampler>(m, "PythonSampler", "Drives a Python BaseSampler subclass from the C++ study.")
      .def(nb::init<nb::object>(), nb::arg("impl"))
      .def_prop_ro("impl", &PythonSampler::Impl);

  nb::class_<Pruner>(m, "Pruner", "A pruner made in C++ (built-in) or an adapter around a Python pruner.")
      .def_prop_ro("name", &Pruner::Name)
      .def(
          "prune",
          [](Pruner& pruner, const Study& study, const FrozenTrial& trial) {
            nb::gil_scoped_release release;
            return pruner.Prune(study, trial);
          },
          nb::arg("study"), nb::arg("trial"));
  nb::class_<PythonPruner, Pruner>(m, "PythonPruner", "Drives a Python BasePruner subclass from the C++ study.")
      .def(nb::init<nb::object>(), nb::arg("impl"))
      .def_prop_ro("impl", &PythonPruner::Impl);

  m.def(
      "sampler_specs", [] { return SpecsToPy(Samplers()); },
      "The registry's samplers: name, summary and declared options.");
  m.def(
      "pruner_specs", [] { return SpecsToPy(Pruners()); },
      "The registry's pruners: name, summary and declared options.");
  m.def(
      "make_sampler",
      [](const std::string& name, std::optional<uint64_t> seed, nb::handle options) {
        Json json = OptionsFromPy(options);
        nb::gil_scoped_release release;
        return MakeSampler(name, seed, json);
      },
      nb::arg("name"), nb::arg("seed").none() = nb::none(), nb::arg("options").none() = nb::none());
  m.def(
      "make_cmaes_sampler",
      [](std::optional<uint64_t> seed, nb::handle options, std::vector<FrozenTrial> source_trials) {
        Json json = OptionsFromPy(options);
        nb::gil_scoped_release release;
        // The registry parses and checks the options; the source trials, which JSON cannot carry, are added after.
        const auto parsed = std::dynamic_pointer_cast<CmaEsSampler>(MakeSampler("cmaes", seed, json));
        CmaEsOptions cmaes = parsed->options();
        cmaes.source_trials = std::move(source_trials);
        return std::shared_ptr<Sampler>(std::make_shared<CmaEsSampler>(std::move(cmaes), seed));
      },
      nb::arg("seed").none(), nb::arg("options"), nb::arg("source_trials"),
      "The cmaes sampler with registry options and a warm start from these trials (CmaEsOptions::source_trials).");
  m.def(
      "make_pruner",
      [](const std::string& name, nb::handle options) {
        Json json = OptionsFromPy(options);
        nb::gil_scoped_release release;
        return MakePruner(name, json);
      },
      nb::arg("name"), nb::arg("options").none() = nb::none());
  m.def(
      "make_patient_pruner",
      [](std::shared_ptr<Pruner> wrapped, int64_t patience, double min_delta) -> std::shared_ptr<Pruner> {
        return std::make_shared<PatientPruner>(std::move(wrapped), patience, min_delta);
      },
      nb::arg("wrapped").none(), nb::arg("patience"), nb::arg("min_delta"),
      "PatientPruner around an existing pruner object (the registry form takes a pruner name).");
  m.attr("DEFAULT_SAMPLER") = kDefaultSampler;
}

}  // namespace hyperscout::python
