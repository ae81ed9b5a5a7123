// Module entry of the segkit libtorch addon. Context-aware: every JS environment (the main thread and
// each worker_thread) gets its own EnvData; libtorch itself is process-wide.
#include "common.h"

namespace segkit {

EnvData& envData(Napi::Env env) { return *env.GetInstanceData<EnvData>(); }

Napi::Object init(Napi::Env env, Napi::Object exports) {
  auto* data = new EnvData();
  env.SetInstanceData<EnvData>(data);
  initTensorBox(env, exports);
  initDispatch(env, exports);
  initRuntime(env, exports);
  initExport(env, exports);
  initDistributed(env, exports);
  initCpuCache(env, exports);
  initDataParallel(env, exports);
  initSyncBatchNorm(env, exports);
  return exports;
}

}  // namespace segkit

static Napi::Object Init(Napi::Env env, Napi::Object exports) { return segkit::init(env, exports); }

NODE_API_MODULE(segkit_torch, Init)
