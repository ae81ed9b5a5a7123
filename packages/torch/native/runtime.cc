// Runtime controls: tensors from JS memory, autograd, grad modes, threads, seeding, counters.
#include "common.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <mutex>
#include <torch/csrc/autograd/autograd.h>
#include <torch/version.h>


namespace segkit {

namespace {

std::vector<at::Tensor> tensorList(Napi::Env env, const Napi::Value& v, const char* what) {
  std::vector<at::Tensor> out;
  if (v.IsNull() || v.IsUndefined()) return out;
  if (!v.IsArray()) throw Napi::TypeError::New(env, std::string("backward: ") + what + " must be an array of Tensors");
  Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value e = a.Get(i);
    if (e.IsNull() || e.IsUndefined()) {
      out.emplace_back();
      continue;
    }
    TensorBox* t = unboxTensor(env, e);
    if (t == nullptr || !t->tensor.defined()) {
      throw Napi::TypeError::New(env, std::string("backward: ") + what + "[" + std::to_string(i) + "] is not a live Tensor");
    }
    out.push_back(t->tensor);
  }
  return out;
}

// backward(outputs, grads, retainGraph, createGraph): accumulates into the leaves' .grad.
Napi::Value backward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<at::Tensor> outputs = tensorList(env, info[0], "outputs");
  std::vector<at::Tensor> grads = tensorList(env, info[1], "grads");
  bool retain = info.Length() > 2 && info[2].IsBoolean() && info[2].As<Napi::Boolean>().Value();
  bool create = info.Length() > 3 && info[3].IsBoolean() && info[3].As<Napi::Boolean>().Value();
  // The CPU autograd engine runs the backward kernels on this thread: guarded like an operator call.
  int signal = guarded(env, "backward", [&] {
    return runCatchingFaults("backward", [&] { torch::autograd::backward(outputs, grads, retain, create); });
  });
  if (signal != 0) throw faultError(env, "backward", signal);
  return env.Undefined();
}

// grad(outputs, inputs, grads, retainGraph, createGraph, allowUnused): gradients without touching .grad.
Napi::Value grad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<at::Tensor> outputs = tensorList(env, info[0], "outputs");
  std::vector<at::Tensor> inputs = tensorList(env, info[1], "inputs");
  std::vector<at::Tensor> grads = tensorList(env, info[2], "grads");
  bool create = info.Length() > 4 && info[4].IsBoolean() && info[4].As<Napi::Boolean>().Value();
  c10::optional<bool> retain;
  if (info.Length() > 3 && info[3].IsBoolean()) retain = info[3].As<Napi::Boolean>().Value();
  bool allowUnused = info.Length() > 5 && info[5].IsBoolean() && info[5].As<Napi::Boolean>().Value();
  return guarded(env, "grad", [&]() -> Napi::Value {
    auto owned = std::make_unique<std::vector<at::Tensor>>();
    std::vector<at::Tensor>* result = owned.get();
    int signal = runCatchingFaults("grad", [&] {
      *result = torch::autograd::grad(outputs, inputs, grads, retain, create, allowUnused);
    });
    if (signal != 0) {
      owned.release();  // leaked on purpose, as the stack of a faulted operator call
      throw faultError(env, "grad", signal);
    }
    Napi::Array out = Napi::Array::New(env, result->size());
    for (size_t i = 0; i < result->size(); i++) out.Set(i, boxTensor(env, (*result)[i]));
    return out;
  });
}

Napi::Value isGradEnabled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), at::GradMode::is_enabled());
}

Napi::Value setGradEnabled(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsBoolean()) throw Napi::TypeError::New(info.Env(), "setGradEnabled(on: boolean)");
  at::GradMode::set_enabled(info[0].As<Napi::Boolean>().Value());
  return info.Env().Undefined();
}

// Inference mode is an RAII guard in C++; JS scopes enter and leave it explicitly, strictly nested.
Napi::Value enterInferenceMode(const Napi::CallbackInfo& info) {
  envData(info.Env()).inferenceGuards.push_back(std::make_unique<c10::InferenceMode>(true));
  return info.Env().Undefined();
}

Napi::Value exitInferenceMode(const Napi::CallbackInfo& info) {
  auto& guards = envData(info.Env()).inferenceGuards;
  if (guards.empty()) throw Napi::Error::New(info.Env(), "exitInferenceMode: not in inference mode");
  guards.pop_back();
  return info.Env().Undefined();
}

Napi::Value isInferenceMode(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), c10::InferenceMode::is_enabled());
}

// The default CPU generator's state as a uint8 tensor (torch.get_rng_state), for exact resume.
Napi::Value getRngState(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), "getRngState", [&] {
    at::Generator gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    return boxTensor(info.Env(), gen.get_state());
  });
}

Napi::Value setRngState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TensorBox* box = info.Length() > 0 ? unboxTensor(env, info[0]) : nullptr;
  if (box == nullptr || !box->tensor.defined()) throw Napi::TypeError::New(env, "setRngState(state): state must be a live Tensor");
  guarded(env, "setRngState", [&] {
    at::Generator gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(box->tensor);
  });
  return env.Undefined();
}

Napi::Value setNumThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber() || info[0].As<Napi::Number>().Int32Value() < 1) {
    throw Napi::TypeError::New(env, "setNumThreads(n): n must be a positive integer");
  }
  guarded(env, "setNumThreads", [&] { at::set_num_threads(info[0].As<Napi::Number>().Int32Value()); });
  return env.Undefined();
}

Napi::Value getNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::get_num_threads());
}

Napi::Value manualSeed(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "manualSeed(seed): seed must be a number");
  double seed = info[0].As<Napi::Number>().DoubleValue();
  if (seed < 0 || seed != static_cast<double>(static_cast<uint64_t>(seed))) {
    throw Napi::TypeError::New(env, "manualSeed(seed): seed must be a non-negative integer");
  }
  at::manual_seed(static_cast<uint64_t>(seed));
  return env.Undefined();
}

}  // namespace

void initRuntime(Napi::Env env, Napi::Object exports) {
  exportChecked(env, exports, "backward", backward);
  exportChecked(env, exports, "autogradGrad", grad);
  exportChecked(env, exports, "setNumThreads", setNumThreads);
  exportChecked(env, exports, "getNumThreads", getNumThreads);
  exportChecked(env, exports, "manualSeed", manualSeed);
  exportChecked(env, exports, "getRngState", getRngState);
  exportChecked(env, exports, "setRngState", setRngState);
  // Mode switches that noGrad/enableGrad/inferenceMode undo in finally blocks: they only set this
  // thread's flags and keep working after a fault, so they do not replace the first error.
  exports.Set("isGradEnabled", Napi::Function::New<isGradEnabled>(env, "isGradEnabled"));
  exports.Set("setGradEnabled", Napi::Function::New<setGradEnabled>(env, "setGradEnabled"));
  exports.Set("enterInferenceMode", Napi::Function::New<enterInferenceMode>(env, "enterInferenceMode"));
  exports.Set("exitInferenceMode", Napi::Function::New<exitInferenceMode>(env, "exitInferenceMode"));
  exports.Set("isInferenceMode", Napi::Function::New<isInferenceMode>(env, "isInferenceMode"));
  exports.Set("torchVersion", Napi::String::New(env, TORCH_VERSION));
}

}  // namespace segkit
