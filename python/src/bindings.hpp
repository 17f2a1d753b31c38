// Entry points of the binding files, called once from module.cpp in this order.
#pragma once

#include <nanobind/nanobind.h>

namespace hyperscout::python {

void BindCore(nanobind::module_& m);     // distributions, enums, FrozenTrial, Trial
void BindPlugins(nanobind::module_& m);  // samplers, pruners, the registry, Python subclass adapters
void BindStudy(nanobind::module_& m);    // storage, Study, optimize

}  // namespace hyperscout::python
