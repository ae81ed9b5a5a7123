// Distributed data parallel through libtorch's own c10d::Reducer, as torch.nn.parallel.
// DistributedDataParallel (1.13) drives it: parameters and buffers broadcast from rank 0 at start,
// gradients averaged in buckets whose all-reduce starts during backward as soon as each bucket's
// gradients are accumulated (the Reducer's hooks on the parameters' grad accumulators, in C++), and
// backward run on libuv's pool so that waiting for the other ranks never blocks the event loop.
#include "distributed.h"

#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/distributed/c10d/comm.hpp>
#include <torch/csrc/distributed/c10d/debug.h>
#include <torch/csrc/distributed/c10d/reducer.hpp>

#include <algorithm>
#include <unordered_map>

namespace segkit {

namespace {

// torch.nn.parallel.DistributedDataParallel's broadcast_bucket_size (250 MiB).
constexpr size_t kBroadcastBucketBytes = 250u << 20;

struct DataParallel {
  std::shared_ptr<Group> group;
  std::unique_ptr<c10d::Reducer> reducer;
};

// What JS holds: the data-parallel state until ddpDestroy takes it.
struct DataParallelHandle {
  std::shared_ptr<DataParallel> state;
};

std::vector<at::Tensor> liveTensors(Napi::Env env, const Napi::Value& v, const std::string& what) {
  if (!v.IsArray()) throw Napi::TypeError::New(env, "DistributedDataParallel: " + what + " must be an array of Tensors");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<at::Tensor> out;
  for (uint32_t i = 0; i < a.Length(); i++) {
    TensorBox* box = unboxTensor(env, a.Get(i));
    if (box == nullptr || !box->tensor.defined()) {
      throw Napi::TypeError::New(env, "DistributedDataParallel: " + what + "[" + std::to_string(i) + "] is not a live Tensor");
    }
    if (!box->tensor.device().is_cpu()) {
      throw Napi::TypeError::New(env, "DistributedDataParallel: " + what + "[" + std::to_string(i) + "] is on " +
                                          box->tensor.device().str() + "; a Gloo group takes CPU tensors");
    }
    out.push_back(box->tensor);
  }
  return out;
}

// ddpCreate(group, params, names, buffers, bucketCapBytes, findUnusedParameters) → Promise<handle>.
// params require grad (the TypeScript layer leaves frozen ones out); names[i] names params[i].
Napi::Value ddpCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<Group> group = liveGroup(env, info[0], "DistributedDataParallel");
  std::vector<at::Tensor> params = liveTensors(env, info[1], "parameters");
  if (!info[2].IsArray() || info[2].As<Napi::Array>().Length() != params.size()) {
    throw Napi::TypeError::New(env, "DistributedDataParallel: names must be an array with one name per parameter");
  }
  std::unordered_map<size_t, std::string> names;
  for (size_t i = 0; i < params.size(); i++) names[i] = info[2].As<Napi::Array>().Get(i).ToString().Utf8Value();
  std::vector<at::Tensor> buffers = liveTensors(env, info[3], "buffers");
  int64_t bucketCapBytes = info[4].As<Napi::Number>().Int64Value();
  bool findUnused = info[5].ToBoolean().Value();
  for (size_t i = 0; i < params.size(); i++) {
    if (!params[i].requires_grad()) throw Napi::TypeError::New(env, "DistributedDataParallel: parameter " + names[i] + " does not require grad");
  }

  // With a debug level the Reducer names (not only numbers) the parameters that got no gradient.
  if (c10d::debug_level() == c10d::DebugLevel::Off) c10d::setDebugLevel(c10d::DebugLevel::Info);
  auto state = std::make_shared<DataParallel>();
  state->group = group;
  return runOnPool(
      env,
      [state, params, names, buffers, bucketCapBytes, findUnused] {
        auto processGroup = processGroupOf(*state->group);
        std::vector<at::Tensor> states(params);
        states.insert(states.end(), buffers.begin(), buffers.end());
        try {
          at::NoGradGuard noGrad;
          c10d::broadcast_coalesced(processGroup, states, kBroadcastBucketBytes, 0);
        } catch (const std::exception& e) {
          throw std::runtime_error(explainFailure(*state->group, "DistributedDataParallel: broadcasting rank 0's parameters", e));
        }
        // Buckets in reverse parameter order: gradients arrive roughly from the last layer back.
        auto [buckets, limits] = c10d::compute_bucket_assignment_by_size(
            params, {static_cast<size_t>(c10d::kDefaultFirstBucketBytes), static_cast<size_t>(bucketCapBytes)},
            std::vector<bool>(params.size(), false));
        std::reverse(buckets.begin(), buckets.end());
        std::reverse(limits.begin(), limits.end());
        state->reducer = std::make_unique<c10d::Reducer>(params, buckets, limits, processGroup,
                                                         std::vector<bool>(params.size(), false), bucketCapBytes,
                                                         findUnused, /*gradient_as_bucket_view=*/false, names,
                                                         c10d::kDefaultFirstBucketBytes);
      },
      [state](Napi::Env env) -> Napi::Value {
        return Napi::External<DataParallelHandle>::New(env, new DataParallelHandle{state},
                                                       [](Napi::Env, DataParallelHandle* h) { delete h; });
      });
}

std::shared_ptr<DataParallel> liveState(Napi::Env env, const Napi::Value& v, const std::string& op) {
  if (!v.IsExternal()) throw Napi::TypeError::New(env, op + ": expected a handle from ddpCreate");
  DataParallelHandle* h = v.As<Napi::External<DataParallelHandle>>().Data();
  if (!h->state) throw Napi::Error::New(env, op + ": DistributedDataParallel has been destroyed");
  return h->state;
}

// ddpBackward(handle, loss, sync) → Promise: backward of `loss` on the pool. With sync, the Reducer
// averages the gradients across ranks during it (the promise settles once they are in .grad);
// without, gradients only accumulate locally (no_sync).
Napi::Value ddpBackward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<DataParallel> state = liveState(env, info[0], "backward");
  TensorBox* box = unboxTensor(env, info[1]);
  if (box == nullptr || !box->tensor.defined()) throw Napi::TypeError::New(env, "backward: loss is not a live Tensor");
  at::Tensor loss = box->tensor;
  if (!loss.requires_grad()) throw Napi::TypeError::New(env, "backward: the loss does not require grad (no graph to run backward through)");
  bool sync = info[2].ToBoolean().Value();
  return runOnPool(
      env,
      [state, loss, sync] {
        if (sync) {
          // Checks that the previous synchronized backward reduced every bucket (naming the
          // parameters that got no gradient); after the first iteration, re-buckets once in the
          // order gradients arrived, agreed with rank 0.
          try {
            state->reducer->rebuild_buckets();
            state->reducer->prepare_for_backward({loss});
          } catch (const std::exception& e) {
            throw std::runtime_error("DistributedDataParallel: " + describeException(e));
          }
        }
        try {
          torch::autograd::backward({loss});
        } catch (const std::exception& e) {
          throw std::runtime_error(explainFailure(*state->group, "backward", e));
        }
      },
      [](Napi::Env env) -> Napi::Value { return env.Undefined(); });
}

// ddpDestroy(handle): removes the Reducer's hooks; later calls fail.
Napi::Value ddpDestroy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsExternal()) throw Napi::TypeError::New(env, "destroy: expected a handle from ddpCreate");
  info[0].As<Napi::External<DataParallelHandle>>().Data()->state.reset();
  return env.Undefined();
}

}  // namespace

void initDataParallel(Napi::Env env, Napi::Object exports) {
  exportChecked(env, exports, "ddpCreate", ddpCreate);
  exportChecked(env, exports, "ddpBackward", ddpBackward);
  exports.Set("ddpDestroy", Napi::Function::New<ddpDestroy>(env, "ddpDestroy"));
}

}  // namespace segkit
