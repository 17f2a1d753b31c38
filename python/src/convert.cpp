#include "convert.hpp"

#include <nanobind/stl/string.h>

#include <cmath>
#include <exception>

#include "hyperscout/common/error.hpp"

namespace hyperscout::python {

namespace {

std::string TypeName(nb::handle value) {
  return nb::cast<std::string>(nb::handle(reinterpret_cast<PyObject*>(Py_TYPE(value.ptr()))).attr("__name__"));
}

std::string Repr(nb::handle value) {
  return nb::cast<std::string>(nb::repr(value));
}

// Integers beyond int64 cannot be stored; say so instead of letting an overflow escape.
int64_t ToInt64(nb::handle value, const std::string& what) {
  int overflow = 0;
  const long long out = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
  if (overflow != 0) throw nb::value_error((what + ": integer " + Repr(value) + " does not fit in 64 bits").c_str());
  if (out == -1 && PyErr_Occurred()) throw nb::python_error();
  return out;
}

}  // namespace

Json PyToJson(nb::handle value, const std::string& what) {
  if (value.is_none()) return nullptr;
  if (PyBool_Check(value.ptr())) return value.ptr() == Py_True;
  if (PyLong_Check(value.ptr())) return ToInt64(value, what);
  if (PyFloat_Check(value.ptr())) return PyFloat_AsDouble(value.ptr());
  if (PyUnicode_Check(value.ptr())) return nb::cast<std::string>(value);
  if (PyDict_Check(value.ptr())) {
    Json out = Json::object();
    for (auto [key, item] : nb::borrow<nb::dict>(value)) {
      if (!PyUnicode_Check(key.ptr())) {
        throw nb::type_error((what + ": dictionary keys must be str, got " + Repr(key)).c_str());
      }
      const auto name = nb::cast<std::string>(key);
      out[name] = PyToJson(item, what + "." + name);
    }
    return out;
  }
  if (PyList_Check(value.ptr()) || PyTuple_Check(value.ptr())) {
    Json out = Json::array();
    size_t index = 0;
    for (nb::handle item : value) out.push_back(PyToJson(item, what + "[" + std::to_string(index++) + "]"));
    return out;
  }
  // numpy scalars and other number-likes.
  if (PyIndex_Check(value.ptr())) return PyToJson(nb::steal(PyNumber_Index(value.ptr())), what);
  if (nb::hasattr(value, "__float__")) return nb::cast<double>(value.attr("__float__")());
  throw nb::type_error(
      (what + ": " + TypeName(value) + " is not JSON-serializable; use None, bool, int, float, str, list or dict")
          .c_str());
}

std::map<std::string, Json> PyToAttrs(nb::handle attrs, const std::string& what) {
  std::map<std::string, Json> out;
  if (attrs.is_none()) return out;
  if (!PyDict_Check(attrs.ptr())) throw nb::type_error((what + ": expected a dict of str -> JSON value").c_str());
  for (auto [key, value] : nb::borrow<nb::dict>(attrs)) {
    const auto name = nb::cast<std::string>(key);
    out[name] = PyToJson(value, what + "['" + name + "']");
  }
  return out;
}

nb::object JsonToPy(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return nb::none();
    case Json::value_t::boolean:
      return nb::bool_(value.get<bool>());
    case Json::value_t::number_integer:
      return nb::int_(value.get<int64_t>());
    case Json::value_t::number_unsigned:
      return nb::steal(PyLong_FromUnsignedLongLong(value.get<uint64_t>()));
    case Json::value_t::number_float:
      return nb::float_(value.get<double>());
    case Json::value_t::string:
      return nb::str(value.get_ref<const std::string&>().c_str());
    case Json::value_t::array: {
      nb::list out;
      for (const auto& item : value) out.append(JsonToPy(item));
      return out;
    }
    case Json::value_t::object: {
      nb::dict out;
      for (const auto& item : value.items()) out[nb::str(item.key().c_str())] = JsonToPy(item.value());
      return out;
    }
    default:
      return nb::none();
  }
}

ParamValue PyToParamValue(nb::handle value, const std::string& what) {
  if (value.is_none()) {
    throw nb::value_error((what + ": None is not supported as a parameter value; use a string such as \"none\" "
                                  "and map it back in the objective")
                              .c_str());
  }
  if (PyBool_Check(value.ptr())) return value.ptr() == Py_True;
  if (PyLong_Check(value.ptr())) return ToInt64(value, what);
  if (PyFloat_Check(value.ptr())) return PyFloat_AsDouble(value.ptr());
  if (PyUnicode_Check(value.ptr())) return nb::cast<std::string>(value);
  if (PyIndex_Check(value.ptr())) return PyToParamValue(nb::steal(PyNumber_Index(value.ptr())), what);
  if (nb::hasattr(value, "__float__")) return nb::cast<double>(value.attr("__float__")());
  throw nb::type_error(
      (what + ": " + TypeName(value) + " " + Repr(value) + " is not a parameter value; use str, int, float or bool")
          .c_str());
}

nb::object ParamValueToPy(const ParamValue& value) {
  if (const auto* b = std::get_if<bool>(&value)) return nb::bool_(*b);
  if (const auto* i = std::get_if<int64_t>(&value)) return nb::int_(*i);
  if (const auto* d = std::get_if<double>(&value)) return nb::float_(*d);
  return nb::str(std::get<std::string>(value).c_str());
}

nb::object DistributionToPy(const Distribution& distribution) {
  return std::visit([](const auto& d) { return nb::cast(d); }, distribution);
}

Distribution PyToDistribution(nb::handle value, const std::string& what) {
  if (nb::isinstance<FloatDistribution>(value)) return nb::cast<FloatDistribution>(value);
  if (nb::isinstance<IntDistribution>(value)) return nb::cast<IntDistribution>(value);
  if (nb::isinstance<CategoricalDistribution>(value)) return nb::cast<CategoricalDistribution>(value);
  throw nb::type_error(
      (what + ": expected a FloatDistribution, IntDistribution or CategoricalDistribution, got " + TypeName(value))
          .c_str());
}

SearchSpace PyToSearchSpace(nb::handle mapping, const std::string& what) {
  SearchSpace space;
  if (mapping.is_none()) return space;
  if (!PyDict_Check(mapping.ptr())) throw nb::type_error((what + ": expected a dict of name -> distribution").c_str());
  for (auto [key, item] : nb::borrow<nb::dict>(mapping)) {
    const auto name = nb::cast<std::string>(key);
    space.emplace(name, PyToDistribution(item, what + "['" + name + "']"));
  }
  return space;
}

nb::dict SearchSpaceToPy(const SearchSpace& space) {
  nb::dict out;
  for (const auto& [name, distribution] : space) out[nb::str(name.c_str())] = DistributionToPy(distribution);
  return out;
}

nb::object StudyToPy(const Study& study) {
  nb::object core = nb::find(study);
  if (!core.is_valid()) return nb::none();
  if (nb::hasattr(core, "_wrapper")) {
    nb::object wrapper = core.attr("_wrapper")();  // a weakref to hyperscout.Study
    if (!wrapper.is_none()) return wrapper;
  }
  return core;
}

namespace {

template <class E>
bool Is(const std::exception& e) {
  return dynamic_cast<const E*>(&e) != nullptr;
}

// The one table mapping C++ error types to hyperscout.exceptions classes; most specific first.
struct ErrorMapping {
  const char* python_name;
  bool (*matches)(const std::exception&);
};
constexpr ErrorMapping kErrorTable[] = {
    {"TrialPruned", Is<TrialPruned>},
    {"InvalidArgumentError", Is<InvalidArgumentError>},
    {"StorageError", Is<StorageError>},
    {"DuplicatedStudyError", Is<DuplicatedStudyError>},
    {"StudyNotFoundError", Is<StudyNotFoundError>},
    {"UpdateFinishedTrialError", Is<UpdateFinishedTrialError>},
    {"HyperscoutError", Is<Error>},
};

}  // namespace

void RegisterErrorTranslator() {
  nb::register_exception_translator([](const std::exception_ptr& pointer, void*) {
    try {
      std::rethrow_exception(pointer);
    } catch (const Error& e) {
      for (const auto& mapping : kErrorTable) {
        if (!mapping.matches(e)) continue;
        nb::object cls = nb::module_::import_("hyperscout.exceptions").attr(mapping.python_name);
        PyErr_SetString(cls.ptr(), e.what());
        return;
      }
      PyErr_SetString(PyExc_RuntimeError, e.what());
    }
  });
}

}  // namespace hyperscout::python
