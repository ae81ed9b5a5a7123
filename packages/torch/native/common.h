// Shared declarations of the segkit libtorch addon.
//
// A tensor crosses into JS as a napi External pointing at a TensorBox, held by the TypeScript Tensor
// object in its `handle` field. Externals without napi finalizers are cheap to make; the TypeScript
// layer frees boxes deterministically (dispose) and through a FinalizationRegistry as a GC backstop.
// Only tensors left to that backstop are reported to V8 as external memory: a tensor a tidy() scope
// owns is freed by the scope, and reporting it would only start garbage collections (V8 starts one
// each time the reported memory grows by 64 MiB) that find nothing to free.
#pragma once

#include "fault_guard.h"

#include <napi.h>
#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <memory>
#include <string>
#include <vector>

namespace segkit {

struct TensorBox {
  at::Tensor tensor;            // undefined once released (disposed)
  int64_t accountedBytes = 0;   // reported to V8 as external memory while the tensor is held (accountForGc)
  uint32_t slot = 0;            // its index in EnvData::boxes
};

// Everything the addon keeps per JavaScript environment (main thread or worker_thread).
struct EnvData {
  int64_t liveTensors = 0;
  // True while a tidy() scope is open (setScopeOpen): new tensors then belong to it and are not reported to V8.
  bool scopeOpen = false;
  std::vector<std::unique_ptr<c10::InferenceMode>> inferenceGuards;
  // The boxes JS holds handles on, by slot; a handle names a slot and the slot's generation when it
  // was made, so a handle outliving its box (or made up) finds nothing instead of freed memory.
  std::vector<TensorBox*> boxes;
  std::vector<uint32_t> generations;
  std::vector<uint32_t> freeSlots;
};

EnvData& envData(Napi::Env env);

// A new box for `tensor` and its handle (a bigint, see tensor_box.cc); undefined tensors become null.
Napi::Value boxTensor(Napi::Env env, at::Tensor tensor);
// The box behind a JS Tensor object (or a bare External), or nullptr when the value is neither.
TensorBox* unboxTensor(Napi::Env env, const Napi::Value& value);
// Drops the box's reference to its tensor and the memory accounted for it.
void releaseBox(Napi::Env env, TensorBox* box);

// A returned IValue as JS: tensors boxed, tuples and lists as arrays, None as null.
Napi::Value toJs(Napi::Env env, const c10::IValue& v);

// dtype names as the TypeScript layer spells them ("float32", "int64", ...).
const char* dtypeName(at::ScalarType type);
bool parseDtype(const std::string& name, at::ScalarType* out);

// Runs `body`, turning libtorch and C++ exceptions into JS errors prefixed with `context`.
template <typename F>
auto guarded(Napi::Env env, const std::string& context, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Napi::Error::New(env, context + ": " + e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, context + ": " + e.what());
  }
}

// Throws the "libtorch faulted earlier in this process; restart it" error, prefixed with `context`,
// once a guarded call has faulted (see fault_guard.h). Every export that reaches libtorch calls it
// first; the exceptions are the calls cleanup code makes in finally blocks and GC callbacks and that
// compute nothing (freeBox, grad and inference mode switches, counters), so that they do not replace
// the first error.
inline void refuseAfterFault(Napi::Env env, const std::string& context) {
  if (libtorchFaulted()) throw Napi::Error::New(env, faultedMessage(context));
}

// The error for a fault caught in the guarded call `context`.
inline Napi::Error faultError(Napi::Env env, const std::string& context, int signal) {
  return Napi::Error::New(env, context + ": libtorch crashed (" + faultName(signal) +
                                   ") on these arguments; check shapes and values. The kernel was stopped mid-way, "
                                   "skipping its cleanup and leaving its locks held, so libtorch cannot be trusted in "
                                   "this process any more: every later call fails; restart it.");
}

using NativeFunction = Napi::Value (*)(const Napi::CallbackInfo&);

// Exports `fn` as `name` (a string literal), refusing to run once libtorch has faulted.
inline void exportChecked(Napi::Env env, Napi::Object exports, const char* name, NativeFunction fn) {
  exports.Set(name, Napi::Function::New(
                        env,
                        [fn, name](const Napi::CallbackInfo& info) -> Napi::Value {
                          refuseAfterFault(info.Env(), name);
                          return fn(info);
                        },
                        name));
}

// Whether a forward pass is being recorded (libtorch's tracer is on).
bool isRecordingTrace();
// Tells the tracer that item `index` of the int list argument `argument` (`length` items) of the
// next operator call is `size`, a size traceSizeOf recorded: the graph then computes that item.
void stashRecordedSize(const std::string& argument, size_t length, size_t index, const at::Tensor& size);

// Module sections, each in its own file.
void initTensorBox(Napi::Env env, Napi::Object exports);
void initDispatch(Napi::Env env, Napi::Object exports);
void initRuntime(Napi::Env env, Napi::Object exports);
void initExport(Napi::Env env, Napi::Object exports);
void initDistributed(Napi::Env env, Napi::Object exports);
void initCpuCache(Napi::Env env, Napi::Object exports);
void initDataParallel(Napi::Env env, Napi::Object exports);
void initSyncBatchNorm(Napi::Env env, Napi::Object exports);

}  // namespace segkit
