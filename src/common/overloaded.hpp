// The std::visit helper: builds one visitor from several lambdas.
#pragma once

namespace hyperscout {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace hyperscout
