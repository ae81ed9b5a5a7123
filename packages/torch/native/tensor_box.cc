// TensorBox: how a tensor is held from JS, its memory accounting, and its properties and data.
#include "common.h"

#include <torch/csrc/autograd/function.h>
#include <torch/csrc/jit/frontend/tracer.h>

#include <cstring>

namespace segkit {

namespace {

struct DtypeEntry {
  const char* name;
  at::ScalarType type;
};

const DtypeEntry kDtypes[] = {
    {"float32", at::kFloat},   {"float64", at::kDouble}, {"float16", at::kHalf},
    {"bfloat16", at::kBFloat16}, {"int64", at::kLong},   {"int32", at::kInt},
    {"int16", at::kShort},     {"int8", at::kChar},      {"uint8", at::kByte},
    {"bool", at::kBool},       {"complex64", at::kComplexFloat}, {"complex128", at::kComplexDouble},
};

int64_t storageBytes(const at::Tensor& t) {
  return t.has_storage() ? static_cast<int64_t>(t.storage().nbytes()) : 0;
}

// The live tensor of the handle in argument `index`; errors name the function and the problem.
const at::Tensor& liveArg(const Napi::CallbackInfo& info, size_t index, const char* fn) {
  TensorBox* box = index < info.Length() ? unboxTensor(info.Env(), info[index]) : nullptr;
  if (box == nullptr) throw Napi::TypeError::New(info.Env(), std::string(fn) + ": expected a Tensor");
  if (!box->tensor.defined()) throw Napi::Error::New(info.Env(), std::string(fn) + ": the tensor has been disposed");
  return box->tensor;
}

Napi::Array intArray(Napi::Env env, at::IntArrayRef values) {
  Napi::Array out = Napi::Array::New(env, values.size());
  for (size_t i = 0; i < values.size(); i++) out.Set(i, Napi::Number::New(env, static_cast<double>(values[i])));
  return out;
}

// Frees the box (and its tensor): from dispose(), or from the GC backstop once the JS Tensor is
// unreachable without having been disposed. Never refuses, so cleanup in finally blocks and GC
// callbacks cannot replace the first error: once libtorch has faulted, the box goes but its tensor
// is leaked, since freeing it would run libtorch code (fault_guard.h).
Napi::Value freeBox(const Napi::CallbackInfo& info) {
  if (info.Length() > 0 && info[0].IsBigInt()) {
    TensorBox* box = unboxTensor(info.Env(), info[0]);
    if (box != nullptr) {
      releaseBox(info.Env(), box);
      EnvData& data = envData(info.Env());
      data.boxes[box->slot] = nullptr;
      data.freeSlots.push_back(box->slot);
      delete box;
    }
  }
  return info.Env().Undefined();
}

Napi::Value shape(const Napi::CallbackInfo& info) { return intArray(info.Env(), liveArg(info, 0, "shape").sizes()); }

Napi::Value strides(const Napi::CallbackInfo& info) {
  return intArray(info.Env(), liveArg(info, 0, "strides").strides());
}

Napi::Value dtype(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), dtypeName(liveArg(info, 0, "dtype").scalar_type()));
}

Napi::Value device(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), liveArg(info, 0, "device").device().str());
}

Napi::Value numel(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(liveArg(info, 0, "numel").numel()));
}

Napi::Value ndim(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(liveArg(info, 0, "ndim").dim()));
}

Napi::Value isContiguous(const Napi::CallbackInfo& info) {
  const at::Tensor& t = liveArg(info, 0, "isContiguous");
  bool channelsLast = info.Length() > 1 && info[1].IsString() && info[1].As<Napi::String>().Utf8Value() == "channels_last";
  return Napi::Boolean::New(info.Env(), t.is_contiguous(channelsLast ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous));
}

Napi::Value requiresGrad(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), liveArg(info, 0, "requiresGrad").requires_grad());
}

Napi::Value setRequiresGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const at::Tensor& t = liveArg(info, 0, "requiresGrad");
  if (info.Length() < 2 || !info[1].IsBoolean()) throw Napi::TypeError::New(env, "requiresGrad must be set to a boolean");
  guarded(env, "requiresGrad", [&] { t.set_requires_grad(info[1].As<Napi::Boolean>().Value()); });
  return env.Undefined();
}

Napi::Value grad(const Napi::CallbackInfo& info) { return boxTensor(info.Env(), liveArg(info, 0, "grad").grad()); }

Napi::Value setGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const at::Tensor& t = liveArg(info, 0, "grad");
  if (info.Length() < 2 || info[1].IsNull() || info[1].IsUndefined()) {
    t.mutable_grad().reset();
    return env.Undefined();
  }
  const at::Tensor& g = liveArg(info, 1, "grad");
  guarded(env, "grad", [&] {
    TORCH_CHECK(g.sizes() == t.sizes(), "assigned grad has shape ", g.sizes(), " but the tensor has shape ", t.sizes());
    TORCH_CHECK(g.scalar_type() == t.scalar_type(), "assigned grad has dtype ", dtypeName(g.scalar_type()),
                " but the tensor has dtype ", dtypeName(t.scalar_type()));
    t.mutable_grad() = g;
  });
  return env.Undefined();
}

// True when both handles hold the same TensorImpl (the same tensor, not just equal values).
Napi::Value sameTensor(const Napi::CallbackInfo& info) {
  TensorBox* a = info.Length() > 0 ? unboxTensor(info.Env(), info[0]) : nullptr;
  TensorBox* b = info.Length() > 1 ? unboxTensor(info.Env(), info[1]) : nullptr;
  bool same = a != nullptr && b != nullptr && a->tensor.defined() && b->tensor.defined() &&
              a->tensor.unsafeGetTensorImpl() == b->tensor.unsafeGetTensorImpl();
  return Napi::Boolean::New(info.Env(), same);
}

Napi::Value isLeaf(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), liveArg(info, 0, "isLeaf").is_leaf());
}

Napi::Value gradFn(const Napi::CallbackInfo& info) {
  const auto& fn = liveArg(info, 0, "gradFn").grad_fn();
  return fn ? Napi::String::New(info.Env(), fn->name()) : info.Env().Null();
}

Napi::Value item(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const at::Tensor& t = liveArg(info, 0, "item");
  return guarded(env, "item", [&]() -> Napi::Value {
    TORCH_CHECK(t.numel() == 1, "item() needs a tensor with one element, this one has ", t.numel());
    c10::Scalar s = t.item();
    if (s.isBoolean()) return Napi::Boolean::New(env, s.toBool());
    if (s.isIntegral(false)) return Napi::Number::New(env, static_cast<double>(s.toLong()));
    TORCH_CHECK(!s.isComplex(), "complex values have no JS number form");
    return Napi::Number::New(env, s.toDouble());
  });
}

// Copies the elements, in row-major order, into a new ArrayBuffer.
Napi::Value toBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const at::Tensor& t = liveArg(info, 0, "toBuffer");
  return guarded(env, "toBuffer", [&]() -> Napi::Value {
    at::Tensor src = t.detach().to(at::kCPU).contiguous();
    size_t bytes = src.numel() * src.element_size();
    Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, bytes);
    if (bytes > 0) std::memcpy(buffer.Data(), src.data_ptr(), bytes);
    return buffer;
  });
}

// fromBuffer(data: ArrayBuffer | TypedArray, dtype: string, shape: number[]) copies the bytes.
// Runs `make` with libtorch's tracer paused (restored however `make` ends).
template <typename F>
static at::Tensor untraced(F make) {
  struct Pause {
    std::shared_ptr<torch::jit::tracer::TracingState> state = torch::jit::tracer::getTracingState();
    Pause() { torch::jit::tracer::setTracingState(nullptr); }
    ~Pause() { torch::jit::tracer::setTracingState(state); }
  } pause;
  return make();
}

Napi::Value fromBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[1].IsString() || !info[2].IsArray()) {
    throw Napi::TypeError::New(env, "fromBuffer(data, dtype, shape): dtype must be a string and shape an array");
  }
  const uint8_t* bytes = nullptr;
  size_t length = 0;
  if (info[0].IsArrayBuffer()) {
    Napi::ArrayBuffer b = info[0].As<Napi::ArrayBuffer>();
    bytes = static_cast<const uint8_t*>(b.Data());
    length = b.ByteLength();
  } else if (info[0].IsTypedArray()) {
    Napi::TypedArray t = info[0].As<Napi::TypedArray>();
    bytes = static_cast<const uint8_t*>(t.ArrayBuffer().Data()) + t.ByteOffset();
    length = t.ByteLength();
  } else {
    throw Napi::TypeError::New(env, "fromBuffer: data must be an ArrayBuffer or a TypedArray");
  }
  at::ScalarType type;
  std::string dtypeText = info[1].As<Napi::String>().Utf8Value();
  if (!parseDtype(dtypeText, &type)) throw Napi::TypeError::New(env, "fromBuffer: unknown dtype \"" + dtypeText + "\"");
  Napi::Array shapeArray = info[2].As<Napi::Array>();
  std::vector<int64_t> sizes;
  int64_t count = 1;
  for (uint32_t i = 0; i < shapeArray.Length(); i++) {
    Napi::Value d = shapeArray.Get(i);
    double v = d.IsNumber() ? d.As<Napi::Number>().DoubleValue() : -1;
    if (!(v >= 0) || v != static_cast<double>(static_cast<int64_t>(v))) {
      throw Napi::TypeError::New(env, "fromBuffer: shape[" + std::to_string(i) + "] must be a non-negative integer");
    }
    sizes.push_back(static_cast<int64_t>(v));
    count *= sizes.back();
  }
  size_t expected = static_cast<size_t>(count) * c10::elementSize(type);
  if (expected != length) {
    throw Napi::RangeError::New(env, "fromBuffer: shape [" + c10::Join(", ", sizes) + "] of " + dtypeText + " needs " +
                                         std::to_string(expected) + " bytes, the data has " + std::to_string(length));
  }
  return guarded(env, "fromBuffer", [&] {
    // During an export recording the tracer would see only at::empty (the copy is no operator) and
    // the graph would hold uninitialised memory; made untraced, the tensor enters the graph as a
    // constant holding these values when an operator uses it.
    at::Tensor t = untraced([&] { return at::empty(sizes, at::TensorOptions().dtype(type)); });
    if (length > 0) std::memcpy(t.data_ptr(), bytes, length);
    return boxTensor(env, std::move(t));
  });
}

// The external memory V8 is told about (what it weighs when deciding to collect garbage).
Napi::Value externalMemory(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(Napi::MemoryManagement::AdjustExternalMemory(info.Env(), 0)));
}

// Reports the box's memory to V8 once (the GC backstop now holds the tensor).
void account(Napi::Env env, TensorBox* box) {
  if (box->accountedBytes > 0 || !box->tensor.defined()) return;
  box->accountedBytes = storageBytes(box->tensor);
  if (box->accountedBytes > 0) Napi::MemoryManagement::AdjustExternalMemory(env, box->accountedBytes);
}

// accountForGc(handle): the tensor escaped every tidy() scope; V8 must weigh its memory from now on.
Napi::Value accountForGc(const Napi::CallbackInfo& info) {
  TensorBox* box = info.Length() > 0 ? unboxTensor(info.Env(), info[0]) : nullptr;
  if (box != nullptr) account(info.Env(), box);
  return info.Env().Undefined();
}

// setScopeOpen(open): whether tensors made from now on belong to a tidy() scope (not reported to V8).
Napi::Value setScopeOpen(const Napi::CallbackInfo& info) {
  envData(info.Env()).scopeOpen = info.Length() > 0 && info[0].IsBoolean() && info[0].As<Napi::Boolean>().Value();
  return info.Env().Undefined();
}

Napi::Value liveTensors(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(envData(info.Env()).liveTensors));
}

}  // namespace

const char* dtypeName(at::ScalarType type) {
  for (const auto& e : kDtypes) {
    if (e.type == type) return e.name;
  }
  return c10::toString(type);
}

bool parseDtype(const std::string& name, at::ScalarType* out) {
  for (const auto& e : kDtypes) {
    if (name == e.name) {
      *out = e.type;
      return true;
    }
  }
  return false;
}

// A tensor handle is a bigint of two 64-bit words: the low word holds the box's generation (high
// 32 bits) and slot (low 32 bits), the high word is 1. Being above the int64 range, it can never be
// mistaken for an integer argument. Not an External: Node gives every External a weak handle that the
// GC must process, which costs more than the operator call itself for small tensors.
constexpr uint64_t kHandleMarker = 1;

Napi::Value boxTensor(Napi::Env env, at::Tensor tensor) {
  if (!tensor.defined()) return env.Null();
  EnvData& data = envData(env);
  uint32_t slot;
  if (!data.freeSlots.empty()) {
    slot = data.freeSlots.back();
    data.freeSlots.pop_back();
  } else {
    slot = static_cast<uint32_t>(data.boxes.size());
    data.boxes.push_back(nullptr);
    data.generations.push_back(0);
  }
  uint32_t generation = ++data.generations[slot];
  auto* box = new TensorBox();
  box->tensor = std::move(tensor);
  box->slot = slot;
  data.boxes[slot] = box;
  if (!data.scopeOpen) account(env, box);
  data.liveTensors++;
  const uint64_t words[2] = {(static_cast<uint64_t>(generation) << 32) | slot, kHandleMarker};
  napi_value handle;
  NAPI_THROW_IF_FAILED(env, napi_create_bigint_words(env, 0, 2, words, &handle), Napi::Value());
  return Napi::Value(env, handle);
}

TensorBox* unboxTensor(Napi::Env env, const Napi::Value& value) {
  Napi::Value handle = value;
  if (!value.IsBigInt()) {
    if (!value.IsObject()) return nullptr;
    handle = value.As<Napi::Object>().Get("handle");
    if (!handle.IsBigInt()) return nullptr;
  }
  int sign = 0;
  size_t count = 2;
  uint64_t words[2] = {0, 0};
  // Fails (or reports more words) for bigints that are no handle: they then name no box.
  if (napi_get_value_bigint_words(env, handle, &sign, &count, words) != napi_ok) return nullptr;
  if (sign != 0 || count != 2 || words[1] != kHandleMarker) return nullptr;
  EnvData& data = envData(env);
  uint32_t slot = static_cast<uint32_t>(words[0]);
  uint32_t generation = static_cast<uint32_t>(words[0] >> 32);
  if (slot >= data.boxes.size() || data.generations[slot] != generation) return nullptr;
  return data.boxes[slot];
}

void releaseBox(Napi::Env env, TensorBox* box) {
  if (!box->tensor.defined()) return;
  if (libtorchFaulted()) {
    new at::Tensor(std::move(box->tensor));  // leaked: freeing it would run libtorch code (freeBox)
  } else {
    box->tensor.reset();
  }
  if (box->accountedBytes > 0) Napi::MemoryManagement::AdjustExternalMemory(env, -box->accountedBytes);
  box->accountedBytes = 0;
  envData(env).liveTensors--;
}

void initTensorBox(Napi::Env env, Napi::Object exports) {
  const std::pair<const char*, NativeFunction> functions[] = {
      {"shape", shape}, {"strides", strides},
      {"dtype", dtype}, {"device", device}, {"numel", numel}, {"ndim", ndim}, {"isContiguous", isContiguous},
      {"requiresGrad", requiresGrad}, {"setRequiresGrad", setRequiresGrad}, {"grad", grad}, {"setGrad", setGrad},
      {"sameTensor", sameTensor}, {"isLeaf", isLeaf}, {"gradFn", gradFn}, {"item", item}, {"toBuffer", toBuffer},
      {"fromBuffer", fromBuffer},
  };
  for (const auto& [name, fn] : functions) exportChecked(env, exports, name, fn);
  // Bookkeeping that keeps working after a fault (see freeBox).
  const std::pair<const char*, NativeFunction> unchecked[] = {
      {"freeBox", freeBox}, {"liveTensors", liveTensors}, {"externalMemory", externalMemory},
      {"accountForGc", accountForGc}, {"setScopeOpen", setScopeOpen},
  };
  for (const auto& [name, fn] : unchecked) exports.Set(name, Napi::Function::New(env, fn, name));
}

}  // namespace segkit
