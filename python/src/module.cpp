// hyperscout._core: the compiled half of the hyperscout Python package. The pure-Python modules in
// python/hyperscout/ give it Optuna's names; everything here is the thin layer over the C++ library.
#include <nanobind/nanobind.h>

#include "bindings.hpp"
#include "convert.hpp"

NB_MODULE(_core, m) {
  m.doc() = "hyperscout C++ core (use the hyperscout package, not this module directly)";
  hyperscout::python::RegisterErrorTranslator();
  hyperscout::python::BindCore(m);
  hyperscout::python::BindPlugins(m);
  hyperscout::python::BindStudy(m);
}
