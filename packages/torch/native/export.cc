// Export: libtorch's tracer records the dispatcher calls of one forward pass into a TorchScript graph.
// The weights enter as attributes of a script module (prim::GetAttr on `self`), so the recording is a
// module that torch.jit.save writes and Python's torch.jit.load reads; the ONNX writer (TypeScript)
// walks the same graph as data. traceOptimize turns a recording into PyTorch's optimized inference
// (torch.jit.freeze + torch.jit.optimize_for_inference), whose forward runs in C++ without a crossing
// per operator.
#include "common.h"

#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/frontend/tracer.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/passes/remove_mutation.h>
#include <torch/csrc/jit/serialization/export.h>

namespace segkit {

namespace {

namespace jit = torch::jit;

// A finished recording: the module owning the weights and its forward graph.
struct Recording {
  jit::Module module;
  std::shared_ptr<jit::Graph> graph;
};

// What a recording's External points to: the recording until traceFree (dispose) or the GC frees it.
struct RecordingBox {
  std::unique_ptr<Recording> recording;
};

// The module being recorded into, between traceBegin and traceEnd.
std::unique_ptr<jit::Module> pendingModule;

at::Tensor liveTensor(Napi::Env env, const Napi::Value& v, const std::string& what) {
  TensorBox* box = unboxTensor(env, v);
  if (box == nullptr || !box->tensor.defined()) throw Napi::TypeError::New(env, what + " is not a live Tensor");
  return box->tensor;
}

std::vector<at::Tensor> liveTensors(Napi::Env env, const Napi::Value& v, const std::string& what) {
  if (!v.IsArray()) throw Napi::TypeError::New(env, what + " must be an array of Tensors");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<at::Tensor> out;
  for (uint32_t i = 0; i < a.Length(); i++) out.push_back(liveTensor(env, a.Get(i), what + "[" + std::to_string(i) + "]"));
  return out;
}

Recording* unboxRecording(Napi::Env env, const Napi::Value& v) {
  if (!v.IsExternal()) throw Napi::TypeError::New(env, "expected a recording from traceEnd()");
  RecordingBox* box = v.As<Napi::External<RecordingBox>>().Data();
  if (!box->recording) throw Napi::Error::New(env, "the recording has been disposed");
  return box->recording.get();
}

// Frees the recording's module, graph and weights now, or leaks them once libtorch has faulted
// (freeing would run libtorch code, as releaseBox says).
void releaseRecording(RecordingBox* box) {
  if (libtorchFaulted()) {
    (void)box->recording.release();
  } else {
    box->recording.reset();
  }
}

void finalizeRecording(Napi::Env, RecordingBox* box) {
  releaseRecording(box);
  delete box;
}

Napi::Value boxRecording(Napi::Env env, std::unique_ptr<Recording> recording) {
  return Napi::External<RecordingBox>::New(env, new RecordingBox{std::move(recording)}, finalizeRecording);
}

// traceBegin(attributes: [name, Tensor][], inputs: Tensor[]): from here on every dispatcher call is recorded.
Napi::Value traceBegin(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (jit::tracer::isTracing()) throw Napi::Error::New(env, "traceBegin: a recording is already under way");
  if (!info[0].IsArray()) throw Napi::TypeError::New(env, "traceBegin: attributes must be an array of [name, Tensor]");
  std::vector<at::Tensor> inputs = liveTensors(env, info[1], "traceBegin: inputs");
  return guarded(env, "traceBegin", [&]() -> Napi::Value {
    auto module = std::make_unique<jit::Module>(c10::QualifiedName("__torch__.segkit.Exported"));
    auto state = std::make_shared<jit::tracer::TracingState>();
    jit::Graph& graph = *state->graph;
    jit::Value* self = graph.addInput("self")->setType(module->type());
    Napi::Array attributes = info[0].As<Napi::Array>();
    for (uint32_t i = 0; i < attributes.Length(); i++) {
      Napi::Value pair = attributes.Get(i);
      if (!pair.IsArray() || !pair.As<Napi::Array>().Get(0u).IsString()) {
        throw Napi::TypeError::New(env, "traceBegin: attributes[" + std::to_string(i) + "] must be [name, Tensor]");
      }
      std::string name = pair.As<Napi::Array>().Get(0u).As<Napi::String>().Utf8Value();
      at::Tensor value = liveTensor(env, pair.As<Napi::Array>().Get(1u), "traceBegin: attribute " + name);
      module->register_buffer(name, value);
      state->setValue(value, graph.insertGetAttr(self, name));
    }
    for (size_t i = 0; i < inputs.size(); i++) {
      jit::Value* v = graph.addInput("input" + std::to_string(i));
      v->setType(c10::TensorType::create(inputs[i]));
      state->setValue(inputs[i], v);
    }
    pendingModule = std::move(module);
    jit::tracer::setTracingState(state);
    return env.Undefined();
  });
}

// traceEnd(outputs: Tensor[]): stops recording; returns the recording (an External).
Napi::Value traceEnd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto state = jit::tracer::getTracingState();
  if (!state || !pendingModule) throw Napi::Error::New(env, "traceEnd: no recording is under way");
  auto recording = std::make_unique<Recording>(Recording{std::move(*pendingModule), state->graph});
  pendingModule.reset();
  return guarded(env, "traceEnd", [&]() -> Napi::Value {
    std::vector<jit::Value*> values;
    try {
      // getOutput reads the active tracing state, so recording stops only after it.
      std::vector<at::Tensor> outputs = liveTensors(env, info[0], "traceEnd: outputs");
      for (size_t i = 0; i < outputs.size(); i++) values.push_back(state->getOutput(outputs[i], i));
    } catch (...) {
      jit::tracer::setTracingState(nullptr);
      throw;
    }
    jit::tracer::setTracingState(nullptr);
    jit::Graph& graph = *recording->graph;
    if (values.size() == 1) {
      graph.registerOutput(values[0]);
    } else {
      graph.registerOutput(graph.insertNode(graph.createTuple(values))->output());
    }
    // In-place ops become their functional forms where that is safe; what remains (writes into
    // views) is reported by the TypeScript side.
    jit::RemoveTensorMutation(recording->graph);
    jit::EliminateDeadCode(recording->graph);
    jit::Module& module = recording->module;
    auto* fn = module._ivalue()->compilation_unit()->create_function(
        c10::QualifiedName(*module.type()->name(), "forward"), recording->graph);
    module.type()->addMethod(fn);
    return boxRecording(env, std::move(recording));
  });
}

// traceAbandon(): drops a recording after an error in the traced function.
Napi::Value traceAbandon(const Napi::CallbackInfo& info) {
  jit::tracer::setTracingState(nullptr);
  pendingModule.reset();
  return info.Env().Undefined();
}

Napi::Value isTracing(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), jit::tracer::isTracing()); }

// traceSizeOf(tensor, dim): the size as a 0-dim int64 tensor that the graph computes (aten::size),
// what Python's tensor.size(dim) returns while tracing. Passed on in an int list (stashRecordedSize),
// it becomes a computed item of that list instead of a constant.
Napi::Value traceSizeOf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!jit::tracer::isTracing()) throw Napi::Error::New(env, "traceSizeOf: no recording is under way");
  at::Tensor tensor = liveTensor(env, info[0], "traceSizeOf: tensor");
  if (!info[1].IsNumber()) throw Napi::TypeError::New(env, "traceSizeOf: dim must be a number");
  int64_t dim = info[1].As<Napi::Number>().Int64Value();
  return guarded(env, "traceSizeOf", [&]() -> Napi::Value { return boxTensor(env, jit::tracer::getSizeOf(tensor, dim)); });
}

Napi::Object valueToJs(Napi::Env env, const jit::Value* v) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("id", static_cast<double>(v->unique()));
  out.Set("type", v->type()->str());
  if (auto t = v->type()->cast<c10::TensorType>()) {
    if (t->scalarType()) out.Set("dtype", dtypeName(*t->scalarType()));
    if (auto sizes = t->sizes().concrete_sizes()) {
      Napi::Array shape = Napi::Array::New(env, sizes->size());
      for (size_t i = 0; i < sizes->size(); i++) shape.Set(i, static_cast<double>((*sizes)[i]));
      out.Set("shape", shape);
    }
  }
  return out;
}

// traceGraph(recording): the graph as data: inputs, outputs, and nodes in order, with the values of
// constants and the attribute names of prim::GetAttr.
Napi::Value traceGraph(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Recording* r = unboxRecording(env, info[0]);
  return guarded(env, "traceGraph", [&]() -> Napi::Value {
    const jit::Graph& graph = *r->graph;
    Napi::Object out = Napi::Object::New(env);
    Napi::Array inputs = Napi::Array::New(env);
    for (size_t i = 0; i < graph.inputs().size(); i++) inputs.Set(i, valueToJs(env, graph.inputs()[i]));
    Napi::Array outputs = Napi::Array::New(env);
    for (size_t i = 0; i < graph.outputs().size(); i++) outputs.Set(i, valueToJs(env, graph.outputs()[i]));
    Napi::Array nodes = Napi::Array::New(env);
    uint32_t n = 0;
    for (const jit::Node* node : graph.nodes()) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("kind", node->kind().toQualString());
      Napi::Array ins = Napi::Array::New(env, node->inputs().size());
      for (size_t i = 0; i < node->inputs().size(); i++) ins.Set(i, static_cast<double>(node->inputs()[i]->unique()));
      o.Set("inputs", ins);
      Napi::Array outs = Napi::Array::New(env, node->outputs().size());
      for (size_t i = 0; i < node->outputs().size(); i++) outs.Set(i, valueToJs(env, node->outputs()[i]));
      o.Set("outputs", outs);
      if (node->kind() == c10::prim::Constant) {
        auto value = jit::toIValue(node->output());
        o.Set("value", value ? toJs(env, *value) : env.Null());
      }
      if (node->kind() == c10::prim::GetAttr) o.Set("name", node->s(c10::attr::name));
      nodes.Set(n++, o);
    }
    out.Set("inputs", inputs);
    out.Set("outputs", outputs);
    out.Set("nodes", nodes);
    std::ostringstream text;
    text << graph;
    out.Set("text", text.str());
    return out;
  });
}

// traceRun(recording, inputs): runs the recorded graph (through TorchScript's interpreter).
Napi::Value traceRun(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Recording* r = unboxRecording(env, info[0]);
  std::vector<at::Tensor> inputs = liveTensors(env, info[1], "traceRun: inputs");
  return guarded(env, "traceRun", [&]() -> Napi::Value {
    std::vector<c10::IValue> stack(inputs.begin(), inputs.end());
    c10::IValue result;
    int signal = runCatchingFaults("traceRun", [&] { result = r->module.forward(stack); });
    if (signal != 0) throw faultError(env, "traceRun", signal);
    std::vector<c10::IValue> items = result.isTuple() ? result.toTupleRef().elements().vec() : std::vector<c10::IValue>{result};
    Napi::Array out = Napi::Array::New(env, items.size());
    for (size_t i = 0; i < items.size(); i++) out.Set(i, boxTensor(env, items[i].toTensor()));
    return out;
  });
}

// traceSave(recording, path): writes the module as a TorchScript archive (torch.jit.save's format).
Napi::Value traceSave(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Recording* r = unboxRecording(env, info[0]);
  if (!info[1].IsString()) throw Napi::TypeError::New(env, "traceSave(recording, path): path must be a string");
  std::string path = info[1].As<Napi::String>().Utf8Value();
  guarded(env, "traceSave " + path, [&] { r->module.save(path); });
  return env.Undefined();
}

// traceOptimize(recording): a new recording holding PyTorch's optimized inference of this one:
// torch.jit.freeze (weights become constants; conv → BatchNorm, conv → add/mul folded) then
// torch.jit.optimize_for_inference (conv + add/relu fused, oneDNN layout with prepacked weights).
// The same two calls, in the same order, as the peer: torch.jit.optimize_for_inference(torch.jit.freeze(m)).
Napi::Value traceOptimize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Recording* r = unboxRecording(env, info[0]);
  return guarded(env, "traceOptimize", [&]() -> Napi::Value {
    // The folded weights are new tensors: made without autograd, as under Python's torch.no_grad().
    c10::AutoGradMode noGrad(false);
    jit::Module frozen = jit::freeze(r->module);
    jit::Module optimized = jit::optimize_for_inference(frozen);
    std::shared_ptr<jit::Graph> graph = optimized.get_method("forward").graph();
    return boxRecording(env, std::make_unique<Recording>(Recording{optimized, graph}));
  });
}

// traceText(recording): the forward graph as TorchScript prints it.
Napi::Value traceText(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Recording* r = unboxRecording(env, info[0]);
  std::ostringstream text;
  text << *r->graph;
  return Napi::String::New(env, text.str());
}

// traceFree(recording): frees the recording now; later uses throw "disposed". Never refuses (cleanup).
Napi::Value traceFree(const Napi::CallbackInfo& info) {
  if (info.Length() > 0 && info[0].IsExternal()) releaseRecording(info[0].As<Napi::External<RecordingBox>>().Data());
  return info.Env().Undefined();
}

}  // namespace

bool isRecordingTrace() { return jit::tracer::isTracing(); }

void stashRecordedSize(const std::string& argument, size_t length, size_t index, const at::Tensor& size) {
  jit::tracer::ArgumentStash::stashIntArrayRefElem(argument, length, index, size);
}

void initExport(Napi::Env env, Napi::Object exports) {
  exports.Set("traceBegin", Napi::Function::New<traceBegin>(env, "traceBegin"));
  exports.Set("traceEnd", Napi::Function::New<traceEnd>(env, "traceEnd"));
  exports.Set("traceAbandon", Napi::Function::New<traceAbandon>(env, "traceAbandon"));
  exports.Set("isTracing", Napi::Function::New<isTracing>(env, "isTracing"));
  exports.Set("traceSizeOf", Napi::Function::New<traceSizeOf>(env, "traceSizeOf"));
  exports.Set("traceGraph", Napi::Function::New<traceGraph>(env, "traceGraph"));
  exports.Set("traceRun", Napi::Function::New<traceRun>(env, "traceRun"));
  exports.Set("traceSave", Napi::Function::New<traceSave>(env, "traceSave"));
  exportChecked(env, exports, "traceOptimize", traceOptimize);
  exportChecked(env, exports, "traceText", traceText);
  exports.Set("traceFree", Napi::Function::New<traceFree>(env, "traceFree"));
}

}  // namespace segkit
