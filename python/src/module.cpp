// hyperscout._core: the compiled half of the hyperscout Python package. The pure-Python modules in
// python/hyperscout/ give it Optuna's names; everything here is the thin layer over the C++ library.
// The same sources build every copy of the extension (python/CMakeLists.txt): each one initializes as _core and
// says in cpu_level which instruction set it was compiled for.
#include <nanobind/nanobind.h>

#include "bindings.hpp"
#include "convert.hpp"

NB_MODULE(_core, m) {
  m.doc() = "hyperscout C++ core (use the hyperscout package, not this module directly)";
  m.attr("cpu_level") = HYPERSCOUT_PYTHON_CPU_LEVEL;
  hyperscout::python::RegisterErrorTranslator();
  hyperscout::python::BindCore(m);
  hyperscout::python::BindPlugins(m);
  hyperscout::python::BindStudy(m);
}
