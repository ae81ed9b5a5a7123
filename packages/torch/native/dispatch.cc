// The generic entry point: call any operator of the c10 dispatcher by name and overload through the
// boxed convention, converting JS arguments by the operator's schema.
#include "common.h"
#include "fault_guard.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>
#include <ATen/ScalarOps.h>

#include <cmath>
#include <mutex>
#include <unordered_map>

namespace segkit {

namespace {

// What a schema argument accepts from JS. Optionality and list-ness are kept beside it.
enum class Kind {
  Tensor, Int, Float, Bool, Scalar, ScalarType, Layout, MemoryFormat, Device, String,
  Generator, TensorList, OptionalTensorList, IntList, FloatList, BoolList, Unsupported
};

struct ArgSpec {
  std::string name;
  std::string typeText;  // as the schema spells it, for error messages
  Kind kind = Kind::Unsupported;
  bool optional = false;
  int64_t fixedLength = -1;  // int[2] accepts a single int, repeated
  bool hasDefault = false;
  c10::IValue defaultValue;
};

struct OpEntry {
  c10::OperatorHandle handle;
  std::string label;  // "aten::add.Tensor", used in every message
  std::vector<ArgSpec> args;
  std::vector<int> returnAliasesArg;  // for in-place/out ops: the argument a return is, else -1
  bool numbersAsTensors = false;      // Tensor arguments also accept JS numbers (arithmetic ops)
};

// The operators whose Tensor arguments take plain numbers, the set PyTorch's Python binding allows.
bool allowsNumbersAsTensors(const std::string& name) {
  static const char* const kNames[] = {
      "aten::add", "aten::add_", "aten::sub", "aten::sub_", "aten::subtract", "aten::subtract_",
      "aten::mul", "aten::mul_", "aten::multiply", "aten::multiply_", "aten::div", "aten::div_",
      "aten::divide", "aten::divide_", "aten::true_divide", "aten::true_divide_", "aten::floor_divide",
      "aten::floor_divide_", "aten::copy_", "aten::_to_copy", "aten::to"};
  for (const char* n : kNames) {
    if (name == n) return true;
  }
  return false;
}

Kind elementKind(const c10::TypePtr& real) {
  switch (real->kind()) {
    case c10::TypeKind::TensorType: return Kind::Tensor;
    case c10::TypeKind::IntType:
    case c10::TypeKind::SymIntType: return Kind::Int;
    case c10::TypeKind::FloatType:
    case c10::TypeKind::SymFloatType: return Kind::Float;
    case c10::TypeKind::BoolType: return Kind::Bool;
    case c10::TypeKind::NumberType: return Kind::Scalar;
    case c10::TypeKind::ScalarTypeType: return Kind::ScalarType;
    case c10::TypeKind::LayoutType: return Kind::Layout;
    case c10::TypeKind::MemoryFormatType: return Kind::MemoryFormat;
    case c10::TypeKind::DeviceObjType: return Kind::Device;
    case c10::TypeKind::StringType: return Kind::String;
    case c10::TypeKind::GeneratorType: return Kind::Generator;
    default: return Kind::Unsupported;
  }
}

ArgSpec describe(const c10::Argument& arg) {
  ArgSpec spec;
  spec.name = arg.name();
  spec.typeText = arg.real_type()->str();
  c10::TypePtr type = arg.real_type();
  if (type->kind() == c10::TypeKind::OptionalType) {
    spec.optional = true;
    type = type->castRaw<c10::OptionalType>()->getElementType();
  }
  if (type->kind() == c10::TypeKind::ListType) {
    c10::TypePtr element = type->castRaw<c10::ListType>()->getElementType();
    bool optionalElement = element->kind() == c10::TypeKind::OptionalType;
    if (optionalElement) element = element->castRaw<c10::OptionalType>()->getElementType();
    Kind k = elementKind(element);
    if (k == Kind::Tensor) spec.kind = optionalElement ? Kind::OptionalTensorList : Kind::TensorList;
    else if (optionalElement) spec.kind = Kind::Unsupported;
    else if (k == Kind::Int) spec.kind = Kind::IntList;
    else if (k == Kind::Float) spec.kind = Kind::FloatList;
    else if (k == Kind::Bool) spec.kind = Kind::BoolList;
    if (arg.N()) spec.fixedLength = *arg.N();
  } else {
    spec.kind = elementKind(type);
  }
  if (arg.default_value()) {
    spec.hasDefault = true;
    spec.defaultValue = *arg.default_value();
  }
  return spec;
}

// Operators resolved so far; ids index this table. Shared by all environments (workers).
std::mutex tableMutex;
std::vector<std::unique_ptr<OpEntry>> opTable;
std::unordered_map<std::string, int> opIds;

OpEntry* entryFor(int id) {
  std::lock_guard<std::mutex> lock(tableMutex);
  return id >= 0 && id < static_cast<int>(opTable.size()) ? opTable[id].get() : nullptr;
}

std::string jsTypeName(const Napi::Value& v) {
  if (v.IsNull()) return "null";
  if (v.IsUndefined()) return "undefined";
  if (v.IsBoolean()) return "boolean";
  if (v.IsNumber()) return "number " + v.ToString().Utf8Value();
  if (v.IsBigInt()) return unboxTensor(v.Env(), v) != nullptr ? "Tensor" : "bigint";
  if (v.IsString()) return "string \"" + v.As<Napi::String>().Utf8Value() + "\"";
  if (v.IsArray()) return "array";
  if (v.IsObject() && unboxTensor(v.Env(), v) != nullptr) return "Tensor";
  if (v.IsFunction()) return "function";
  return "object";
}

[[noreturn]] void badArgument(Napi::Env env, const OpEntry& op, const ArgSpec& spec, size_t index,
                              const std::string& problem) {
  throw Napi::TypeError::New(env, op.label + ": argument '" + spec.name + "' (position " + std::to_string(index + 1) +
                                      ", " + spec.typeText + ") " + problem);
}

// An item of an int list argument that is a size recorded by sizeOf(): told to the tracer just
// before the call (stashRecordedSize), once every argument has converted.
struct RecordedSizeItem {
  std::string argument;
  size_t length;
  size_t index;
  at::Tensor size;
};

// Converts the value of one argument. `spec` says what the schema wants; errors name the argument.
class Converter {
 public:
  // `stack` holds the arguments converted so far: a wrapped number takes its dtype from them.
  // Recorded sizes met in int lists are added to `recordedSizes`.
  Converter(Napi::Env env, const OpEntry& op, const ArgSpec& spec, size_t index, const torch::jit::Stack& stack,
            std::vector<RecordedSizeItem>& recordedSizes)
      : env_(env), op_(op), spec_(spec), index_(index), stack_(stack), recordedSizes_(recordedSizes) {}

  c10::IValue convert(const Napi::Value& v) const {
    switch (spec_.kind) {
      case Kind::Tensor: return tensor(v);
      case Kind::Int: return integer(v);
      case Kind::Float: return floating(v);
      case Kind::Bool: return boolean(v);
      case Kind::Scalar: return scalar(v);
      case Kind::ScalarType: return scalarType(v);
      case Kind::Layout: return layout(v);
      case Kind::MemoryFormat: return memoryFormat(v);
      case Kind::Device: return device(v);
      case Kind::String:
        if (!v.IsString()) fail("expects a string, got " + jsTypeName(v));
        return c10::IValue(v.As<Napi::String>().Utf8Value());
      case Kind::Generator: fail("accepts only null (the default generator), got " + jsTypeName(v));
      case Kind::TensorList: {
        std::vector<at::Tensor> out;
        for (const Napi::Value& e : elements(v)) out.push_back(tensor(e).toTensor());
        return c10::IValue(std::move(out));
      }
      case Kind::OptionalTensorList: {
        c10::List<c10::optional<at::Tensor>> out;
        for (const Napi::Value& e : elements(v)) {
          out.push_back(e.IsNull() || e.IsUndefined() ? c10::optional<at::Tensor>() : tensor(e).toTensor());
        }
        return c10::IValue(std::move(out));
      }
      case Kind::IntList: {
        if (v.IsNumber() && spec_.fixedLength > 0) {
          return c10::IValue(std::vector<int64_t>(spec_.fixedLength, integer(v).toInt()));
        }
        std::vector<Napi::Value> items = elements(v);
        std::vector<int64_t> out;
        for (size_t k = 0; k < items.size(); k++) {
          TensorBox* box = items[k].IsNumber() ? nullptr : unboxTensor(env_, items[k]);
          out.push_back(box != nullptr ? recordedSize(box, items.size(), k) : integer(items[k]).toInt());
        }
        return c10::IValue(std::move(out));
      }
      case Kind::FloatList: {
        if (v.IsNumber() && spec_.fixedLength > 0) {
          return c10::IValue(std::vector<double>(spec_.fixedLength, floating(v).toDouble()));
        }
        std::vector<double> out;
        for (const Napi::Value& e : elements(v)) out.push_back(floating(e).toDouble());
        return c10::IValue(std::move(out));
      }
      case Kind::BoolList: {
        c10::List<bool> out;
        for (const Napi::Value& e : elements(v)) out.push_back(boolean(e).toBool());
        return c10::IValue(std::move(out));
      }
      case Kind::Unsupported: break;
    }
    fail("has a type the JS bridge does not convert");
  }

 private:
  [[noreturn]] void fail(const std::string& problem) const { badArgument(env_, op_, spec_, index_, problem); }

  std::vector<Napi::Value> elements(const Napi::Value& v) const {
    if (!v.IsArray()) fail("expects an array, got " + jsTypeName(v));
    // As in PyTorch, the N of int[N] only says how far a single number is repeated: lists of any
    // length pass through (sum's int[1] dim takes [2, 3]); kernels check what they need.
    Napi::Array array = v.As<Napi::Array>();
    uint32_t n = array.Length();
    std::vector<Napi::Value> out;
    out.reserve(n);
    for (uint32_t i = 0; i < n; i++) out.push_back(array.Get(i));
    return out;
  }

  c10::IValue tensor(const Napi::Value& v) const {
    if (op_.numbersAsTensors && (v.IsNumber() || v.IsBoolean())) {
      // As PyTorch's Python binding does for arithmetic: a "wrapped number" takes part in type
      // promotion like a Python scalar, and add.Tensor with it is much cheaper than add.Scalar.
      return c10::IValue(wrappedNumber(scalar(v).toScalar()));
    }
    TensorBox* box = unboxTensor(env_, v);
    if (box == nullptr) fail("expects a Tensor, got " + jsTypeName(v));
    if (!box->tensor.defined()) fail("got a Tensor that has been disposed");
    return c10::IValue(box->tensor);
  }

  // A recorded size (a 0-dim int64 tensor from traceSizeOf) as item `index` of a list of `length`.
  // Its value is read from memory: Tensor::item() would itself be recorded.
  int64_t recordedSize(TensorBox* box, size_t length, size_t index) const {
    const at::Tensor& size = box->tensor;
    if (!size.defined()) fail("got a Tensor that has been disposed among its integers");
    if (size.dim() != 0 || size.scalar_type() != at::kLong || !isRecordingTrace()) {
      fail("expects integers, got a Tensor (only a size recorded by sizeOf(), while its recording runs)");
    }
    recordedSizes_.push_back({spec_.name, length, index, size});
    return *size.data_ptr<int64_t>();
  }

  c10::IValue integer(const Napi::Value& v) const {
    if (v.IsBigInt()) {
      bool lossless = false;
      int64_t i = v.As<Napi::BigInt>().Int64Value(&lossless);
      if (!lossless) fail("got a bigint outside the int64 range");
      return c10::IValue(i);
    }
    if (!v.IsNumber()) fail("expects an integer, got " + jsTypeName(v));
    double d = v.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d) || std::trunc(d) != d || std::fabs(d) > 9007199254740991.0) {
      fail("expects an integer, got " + jsTypeName(v));
    }
    return c10::IValue(static_cast<int64_t>(d));
  }

  c10::IValue floating(const Napi::Value& v) const {
    if (!v.IsNumber()) fail("expects a number, got " + jsTypeName(v));
    return c10::IValue(v.As<Napi::Number>().DoubleValue());
  }

  c10::IValue boolean(const Napi::Value& v) const {
    if (!v.IsBoolean()) fail("expects a boolean, got " + jsTypeName(v));
    return c10::IValue(v.As<Napi::Boolean>().Value());
  }

  // JS has one number type: integral values become int scalars (as Python's `1`), others double.
  c10::IValue scalar(const Napi::Value& v) const {
    if (v.IsBoolean()) return c10::IValue(v.As<Napi::Boolean>().Value());
    if (v.IsBigInt()) return integer(v);
    if (!v.IsNumber()) fail("expects a number or boolean, got " + jsTypeName(v));
    double d = v.As<Napi::Number>().DoubleValue();
    if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) <= 9007199254740991.0) {
      return c10::IValue(static_cast<int64_t>(d));
    }
    return c10::IValue(d);
  }

  c10::IValue scalarType(const Napi::Value& v) const {
    if (v.IsString()) {
      at::ScalarType type;
      if (!parseDtype(v.As<Napi::String>().Utf8Value(), &type)) {
        fail("expects a dtype (float32, float64, float16, bfloat16, int64, int32, int16, int8, uint8, bool, "
             "complex64, complex128), got " + jsTypeName(v));
      }
      return c10::IValue(type);
    }
    fail("expects a dtype name, got " + jsTypeName(v));
  }

  c10::IValue layout(const Napi::Value& v) const {
    if (v.IsString()) {
      std::string s = v.As<Napi::String>().Utf8Value();
      if (s == "strided") return c10::IValue(at::kStrided);
      if (s == "sparse") return c10::IValue(at::kSparse);
    }
    fail("expects \"strided\" or \"sparse\", got " + jsTypeName(v));
  }

  c10::IValue memoryFormat(const Napi::Value& v) const {
    if (v.IsString()) {
      std::string s = v.As<Napi::String>().Utf8Value();
      if (s == "contiguous") return c10::IValue(at::MemoryFormat::Contiguous);
      if (s == "channels_last") return c10::IValue(at::MemoryFormat::ChannelsLast);
      if (s == "channels_last_3d") return c10::IValue(at::MemoryFormat::ChannelsLast3d);
      if (s == "preserve") return c10::IValue(at::MemoryFormat::Preserve);
    }
    fail("expects \"contiguous\", \"channels_last\", \"channels_last_3d\" or \"preserve\", got " + jsTypeName(v));
  }

  c10::IValue device(const Napi::Value& v) const {
    if (!v.IsString()) fail("expects a device string such as \"cpu\", got " + jsTypeName(v));
    std::string s = v.As<Napi::String>().Utf8Value();
    try {
      return c10::IValue(c10::Device(s));
    } catch (const c10::Error&) {
      fail("expects a device string such as \"cpu\", got " + jsTypeName(v));
    }
  }

  // A number as a 0-dim "wrapped number" tensor. Made directly in the dtype of an earlier tensor
  // argument when type promotion would cast it to that dtype anyway (same category or wider), which
  // skips the cast kernel; otherwise int64/float64/bool as PyTorch's Python binding makes it.
  at::Tensor wrappedNumber(const c10::Scalar& s) const {
    at::ScalarType type = s.type();
    for (const c10::IValue& earlier : stack_) {
      if (!earlier.isTensor()) continue;
      at::ScalarType other = earlier.toTensor().scalar_type();
      bool absorbs = s.isIntegral(false) ? (at::isIntegralType(other, false) || at::isFloatingType(other))
                                         : (s.isFloatingPoint() && at::isFloatingType(other));
      if (absorbs) type = other;
      break;
    }
    at::Tensor t = at::detail::scalar_tensor_static(s, type, at::kCPU);
    t.unsafeGetTensorImpl()->set_wrapped_number(true);
    return t;
  }

  Napi::Env env_;
  const OpEntry& op_;
  const ArgSpec& spec_;
  size_t index_;
  const torch::jit::Stack& stack_;
  std::vector<RecordedSizeItem>& recordedSizes_;
};

Napi::Value listToJs(Napi::Env env, const std::vector<c10::IValue>& items) {
  Napi::Array out = Napi::Array::New(env, items.size());
  for (size_t i = 0; i < items.size(); i++) out.Set(i, toJs(env, items[i]));
  return out;
}

}  // namespace

Napi::Value toJs(Napi::Env env, const c10::IValue& v) {
  if (v.isTensor()) return boxTensor(env, v.toTensor());
  if (v.isNone()) return env.Null();
  if (v.isBool()) return Napi::Boolean::New(env, v.toBool());
  if (v.isInt()) return Napi::Number::New(env, static_cast<double>(v.toInt()));
  if (v.isDouble()) return Napi::Number::New(env, v.toDouble());
  if (v.isString()) return Napi::String::New(env, v.toStringRef());
  if (v.isTuple()) return listToJs(env, v.toTupleRef().elements().vec());
  if (v.isList()) return listToJs(env, v.toListRef().vec());
  if (v.isDevice()) return Napi::String::New(env, v.toDevice().str());
  if (v.isScalar()) {
    c10::Scalar s = v.toScalar();
    if (s.isBoolean()) return Napi::Boolean::New(env, s.toBool());
    if (s.isIntegral(false)) return Napi::Number::New(env, static_cast<double>(s.toLong()));
    return Napi::Number::New(env, s.toDouble());
  }
  throw Napi::Error::New(env, std::string("the JS bridge cannot return a value of type ") + v.tagKind());
}

namespace {

// Resolves an operator once; returns its id.
int resolve(Napi::Env env, const std::string& name, const std::string& overload) {
  std::string key = name + "." + overload;
  std::lock_guard<std::mutex> lock(tableMutex);
  auto found = opIds.find(key);
  if (found != opIds.end()) return found->second;
  auto handle = c10::Dispatcher::singleton().findSchema({name, overload});
  if (!handle) {
    throw Napi::Error::New(env, "no operator " + name + (overload.empty() ? "" : "." + overload) +
                                    " in this libtorch (see schemas() for the list)");
  }
  auto entry = std::make_unique<OpEntry>(OpEntry{*handle, overload.empty() ? name : name + "." + overload, {}, {}});
  entry->numbersAsTensors = allowsNumbersAsTensors(name);
  const c10::FunctionSchema& schema = handle->schema();
  for (const auto& arg : schema.arguments()) entry->args.push_back(describe(arg));
  for (const auto& ret : schema.returns()) {
    int aliased = -1;
    const c10::AliasInfo* retAlias = ret.alias_info();
    if (retAlias != nullptr && retAlias->isWrite()) {
      for (size_t i = 0; i < schema.arguments().size(); i++) {
        const c10::AliasInfo* argAlias = schema.arguments()[i].alias_info();
        if (argAlias != nullptr && argAlias->isWrite() && argAlias->beforeSets() == retAlias->beforeSets()) {
          aliased = static_cast<int>(i);
          break;
        }
      }
    }
    entry->returnAliasesArg.push_back(aliased);
  }
  int id = static_cast<int>(opTable.size());
  opTable.push_back(std::move(entry));
  opIds.emplace(key, id);
  return id;
}

Napi::Value opId(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString()) {
    throw Napi::TypeError::New(env, "opId(name, overload): both must be strings, e.g. opId(\"aten::add\", \"Tensor\")");
  }
  std::string name = info[0].As<Napi::String>().Utf8Value();
  std::string overload = info[1].As<Napi::String>().Utf8Value();
  refuseAfterFault(env, overload.empty() ? name : name + "." + overload);
  return Napi::Number::New(env, resolve(env, name, overload));
}

// Checks that libtorch 1.13 kernels lack, found by the fuzz test. The fault guard recovers from the
// others; these ones fault while holding the default generator's lock, which would hang the next
// random operator, so they must not fault at all.
void checkPreconditions(Napi::Env env, const OpEntry& op, const torch::jit::Stack& stack) {
  if (op.label.rfind("aten::rrelu_with_noise", 0) == 0 && stack.size() >= 2 && stack[0].isTensor() && stack[1].isTensor()) {
    const at::Tensor& self = stack[0].toTensor();
    const at::Tensor& noise = stack[1].toTensor();
    if (noise.sizes() != self.sizes() || noise.scalar_type() != self.scalar_type()) {
      throw Napi::Error::New(env, op.label + ": noise must have the shape and dtype of self");
    }
  }
}

// Runs the kernel; a fault inside it becomes a JS error, and every later call fails (fault_guard.h).
// The stack of a faulted call is leaked on purpose: the kernel may have left it half-modified.
void callGuarded(Napi::Env env, const OpEntry& op, torch::jit::Stack& stack) {
  auto* working = new torch::jit::Stack(std::move(stack));
  int signal = 0;
  try {
    signal = runCatchingFaults(op.label.c_str(), [&op, working] { op.handle.callBoxed(working); });
  } catch (...) {
    stack = std::move(*working);
    delete working;
    guarded(env, op.label, [] { throw; });
  }
  if (signal != 0) throw faultError(env, op.label, signal);
  stack = std::move(*working);
  delete working;
}

// call(id, ...args): undefined takes the schema default; null is None for optional arguments.
Napi::Value call(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  OpEntry* op = info.Length() > 0 && info[0].IsNumber() ? entryFor(info[0].As<Napi::Number>().Int32Value()) : nullptr;
  if (op == nullptr) throw Napi::TypeError::New(env, "call(id, ...args): id must come from opId()");
  refuseAfterFault(env, op->label);
  size_t given = info.Length() - 1;
  if (given > op->args.size()) {
    throw Napi::TypeError::New(env, op->label + ": takes " + std::to_string(op->args.size()) + " arguments, got " +
                                        std::to_string(given));
  }
  torch::jit::Stack stack;
  stack.reserve(std::max(op->args.size(), op->returnAliasesArg.size()));
  std::vector<RecordedSizeItem> recordedSizes;
  for (size_t i = 0; i < op->args.size(); i++) {
    const ArgSpec& spec = op->args[i];
    Napi::Value v = i < given ? info[i + 1] : env.Undefined();
    if (v.IsUndefined()) {
      if (spec.hasDefault) {
        stack.push_back(spec.defaultValue);
        continue;
      }
      if (!spec.optional) badArgument(env, *op, spec, i, "is required");
      stack.emplace_back();
      continue;
    }
    if (v.IsNull()) {
      if (!spec.optional) badArgument(env, *op, spec, i, "cannot be null");
      stack.emplace_back();
      continue;
    }
    stack.push_back(Converter(env, *op, spec, i, stack, recordedSizes).convert(v));
  }
  checkPreconditions(env, *op, stack);
  for (const RecordedSizeItem& item : recordedSizes) {
    guarded(env, op->label, [&] { stashRecordedSize(item.argument, item.length, item.index, item.size); });
  }
  callGuarded(env, *op, stack);
  auto result = [&](size_t r) -> Napi::Value {
    int aliased = op->returnAliasesArg[r];
    return aliased >= 0 && static_cast<size_t>(aliased) < given ? info[aliased + 1] : toJs(env, stack[r]);
  };
  return guarded(env, op->label, [&]() -> Napi::Value {
    if (stack.size() == 1) return result(0);
    if (stack.empty()) return env.Undefined();
    Napi::Array out = Napi::Array::New(env, stack.size());
    for (size_t r = 0; r < stack.size(); r++) out.Set(r, result(r));
    return out;
  });
}

std::string defaultText(const c10::IValue& v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

// Every schema registered in the dispatcher, for code generation.
Napi::Value schemas(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto names = c10::Dispatcher::singleton().getAllOpNames();
  Napi::Array out = Napi::Array::New(env);
  uint32_t n = 0;
  for (const auto& opName : names) {
    auto handle = c10::Dispatcher::singleton().findSchema(opName);
    if (!handle) continue;
    const c10::FunctionSchema& schema = handle->schema();
    Napi::Object s = Napi::Object::New(env);
    s.Set("name", opName.name);
    s.Set("overload", opName.overload_name);
    s.Set("schema", c10::toString(schema));
    Napi::Array args = Napi::Array::New(env);
    uint32_t a = 0;
    for (const auto& arg : schema.arguments()) {
      ArgSpec spec = describe(arg);
      Napi::Object o = Napi::Object::New(env);
      o.Set("name", arg.name());
      o.Set("type", spec.typeText);
      o.Set("kind", static_cast<int>(spec.kind));
      o.Set("optional", spec.optional);
      o.Set("fixedLength", static_cast<double>(spec.fixedLength));
      o.Set("kwargOnly", arg.kwarg_only());
      o.Set("isOut", arg.is_out());
      o.Set("mutable", arg.alias_info() != nullptr && arg.alias_info()->isWrite());
      if (spec.hasDefault) o.Set("default", defaultText(spec.defaultValue));
      args.Set(a++, o);
    }
    s.Set("args", args);
    Napi::Array returns = Napi::Array::New(env);
    uint32_t r = 0;
    for (const auto& ret : schema.returns()) returns.Set(r++, Napi::String::New(env, ret.real_type()->str()));
    s.Set("returns", returns);
    out.Set(n++, s);
  }
  return out;
}

Napi::Value kindNames(const Napi::CallbackInfo& info) {
  const char* names[] = {"Tensor", "Int", "Float", "Bool", "Scalar", "ScalarType", "Layout", "MemoryFormat", "Device",
                         "String", "Generator", "TensorList", "OptionalTensorList", "IntList", "FloatList", "BoolList",
                         "Unsupported"};
  Napi::Array out = Napi::Array::New(info.Env());
  for (uint32_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) out.Set(i, names[i]);
  return out;
}

}  // namespace

void initDispatch(Napi::Env env, Napi::Object exports) {
  installFaultGuard();
  // opId() and call() refuse after a fault themselves, naming the operator.
  exports.Set("opId", Napi::Function::New<opId>(env, "opId"));
  exports.Set("call", Napi::Function::New<call>(env, "call"));
  exportChecked(env, exports, "schemas", schemas);
  exports.Set("kindNames", Napi::Function::New<kindNames>(env, "kindNames"));
}

}  // namespace segkit
