// Conversions between Python objects and the C++ value types the bindings pass around: JSON values
// (attributes, sampler options), parameter values and search spaces. Errors are thrown as Python
// exceptions (nb::type_error / nb::value_error) naming the offending value and the fix.
#pragma once

#include <nanobind/nanobind.h>

#include <map>
#include <string>

#include "hyperscout/common/json.hpp"
#include "hyperscout/core/distribution.hpp"
#include "hyperscout/core/study.hpp"

namespace hyperscout::python {

namespace nb = nanobind;

Json PyToJson(nb::handle value, const std::string& what);
nb::object JsonToPy(const Json& value);
// A dict of attributes (None: empty); `what` names it in errors ("user_attrs").
std::map<std::string, Json> PyToAttrs(nb::handle attrs, const std::string& what);

// str, int, float and bool; None and other types raise ValueError / TypeError naming `what`.
ParamValue PyToParamValue(nb::handle value, const std::string& what);
nb::object ParamValueToPy(const ParamValue& value);

nb::object DistributionToPy(const Distribution& distribution);
Distribution PyToDistribution(nb::handle value, const std::string& what);
SearchSpace PyToSearchSpace(nb::handle mapping, const std::string& what);
nb::dict SearchSpaceToPy(const SearchSpace& space);

// The Python-facing object for a C++ study: the hyperscout.Study wrapper when Python created the
// study, else the bound _core.Study, else None.
nb::object StudyToPy(const Study& study);

// Registers the translator that maps hyperscout::Error subclasses to hyperscout.exceptions classes.
void RegisterErrorTranslator();

}  // namespace hyperscout::python
