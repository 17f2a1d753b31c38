// Umbrella header: everything a program embedding hyperscout needs.
#pragma once

#include "hyperscout/common/error.hpp"
#include "hyperscout/common/json.hpp"
#include "hyperscout/core/distribution.hpp"
#include "hyperscout/core/frozen_trial.hpp"
#include "hyperscout/core/study.hpp"
#include "hyperscout/core/trial.hpp"
#include "hyperscout/pruners/pruner.hpp"
#include "hyperscout/registry.hpp"
#include "hyperscout/samplers/random.hpp"
#include "hyperscout/samplers/sampler.hpp"
#include "hyperscout/storage/memory_storage.hpp"
#include "hyperscout/storage/storage.hpp"
#include "hyperscout/storage/url.hpp"
