// What the data-parallel parts (data_parallel.cc, sync_batch_norm.cc) use of the process group that
// distributed.cc forms: its c10d group, waiting with its timeout and naming lost ranks on failure,
// and running blocking work on libuv's pool behind a promise.
#pragma once

#include "common.h"

#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>

#include <functional>
#include <memory>
#include <string>

namespace segkit {

struct Group;  // a formed default group (distributed.cc)

// The group behind a JS process-group handle; throws a JS error naming `op` when it is not a live one.
std::shared_ptr<Group> liveGroup(Napi::Env env, const Napi::Value& v, const std::string& op);

c10::intrusive_ptr<c10d::ProcessGroup> processGroupOf(const Group& g);

// Waits for `work` up to the group's timeout; on failure throws a std::runtime_error naming `op`,
// this rank and the lost ranks.
void waitOrExplain(const Group& g, const c10::intrusive_ptr<c10d::Work>& work, const std::string& op);

// A failure of `op` on this rank explained: the cause, then which ranks are lost.
std::string explainFailure(const Group& g, const std::string& op, const std::exception& e);

// Runs `work` on libuv's thread pool and settles a promise: with settle(env) when work returned,
// rejected with the message work threw otherwise.
Napi::Promise runOnPool(Napi::Env env, std::function<void()> work, std::function<Napi::Value(Napi::Env)> settle);

// An exception's message without libtorch's backtrace.
std::string describeException(const std::exception& e);

}  // namespace segkit
