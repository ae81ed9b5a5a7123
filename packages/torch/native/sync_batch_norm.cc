// SyncBatchNorm as a native autograd function: batch normalization whose statistics cover the batch
// of every rank. Forward all-reduces each channel's sum, sum of squares and count (in float64, so the
// variance from them does not lose digits) and normalizes with the global mean and variance; backward
// all-reduces the two per-channel sums the input gradient needs. As in PyTorch's SyncBatchNorm, the
// weight and bias gradients stay local: DistributedDataParallel averages them with the others. Both
// all-reduces wait on the calling thread, up to the group's timeout.
#include "distributed.h"

#include <torch/csrc/autograd/custom_function.h>

namespace segkit {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// The group rides in the autograd context's saved data as an IValue capsule.
struct GroupCapsule : torch::CustomClassHolder {
  explicit GroupCapsule(std::shared_ptr<Group> g) : group(std::move(g)) {}
  std::shared_ptr<Group> group;
};

// Every dimension but the channel one (1): the ones statistics are taken over.
std::vector<int64_t> reducedDims(const at::Tensor& x) {
  std::vector<int64_t> dims{0};
  for (int64_t d = 2; d < x.dim(); d++) dims.push_back(d);
  return dims;
}

// x of shape [C] viewed to broadcast against an input of `dim` dimensions.
at::Tensor perChannel(const at::Tensor& x, int64_t dim) {
  std::vector<int64_t> shape(dim, 1);
  shape[1] = -1;
  return x.view(shape);
}

at::Tensor allReduceSum(const Group& g, at::Tensor t, const std::string& op) {
  std::vector<at::Tensor> tensors{t};
  waitOrExplain(g, processGroupOf(g)->allreduce(tensors), op);
  return t;
}

struct SyncBatchNormFunction : public torch::autograd::Function<SyncBatchNormFunction> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& input, const at::Tensor& weight, const at::Tensor& bias,
                            at::Tensor runningMean, at::Tensor runningVar, const c10::IValue& capsule, double momentum,
                            double eps) {
    const Group& g = *c10::static_intrusive_pointer_cast<GroupCapsule>(capsule.toCapsule())->group;
    const int64_t channels = input.size(1);
    const auto dims = reducedDims(input);
    at::Tensor x = input.to(at::kDouble);
    at::Tensor stats = at::cat({x.sum(dims), x.square().sum(dims),
                                at::full({1}, static_cast<double>(input.numel() / channels), x.options())});
    allReduceSum(g, stats, "SyncBatchNorm forward");
    at::Tensor count = stats.narrow(0, 2 * channels, 1);
    at::Tensor mean = stats.narrow(0, 0, channels) / count;
    at::Tensor var = (stats.narrow(0, channels, channels) / count - mean.square()).clamp_min(0);
    const double n = count.item<double>();
    if (runningMean.defined()) {
      runningMean.mul_(1 - momentum).add_(mean.to(runningMean.scalar_type()), momentum);
    }
    if (runningVar.defined()) {
      at::Tensor unbiased = n > 1 ? var * (n / (n - 1)) : var;
      runningVar.mul_(1 - momentum).add_(unbiased.to(runningVar.scalar_type()), momentum);
    }
    at::Tensor meanX = mean.to(input.scalar_type());
    at::Tensor invstd = (var + eps).rsqrt().to(input.scalar_type());
    at::Tensor out = (input - perChannel(meanX, input.dim())) * perChannel(invstd, input.dim());
    if (weight.defined()) out = out * perChannel(weight, input.dim());
    if (bias.defined()) out = out + perChannel(bias, input.dim());
    ctx->save_for_backward({input, weight, meanX, invstd});
    ctx->saved_data["group"] = capsule;
    ctx->saved_data["count"] = n;
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list gradOutputs) {
    auto saved = ctx->get_saved_variables();
    const at::Tensor& input = saved[0];
    const at::Tensor& weight = saved[1];
    const at::Tensor& mean = saved[2];
    const at::Tensor& invstd = saved[3];
    const Group& g = *c10::static_intrusive_pointer_cast<GroupCapsule>(ctx->saved_data["group"].toCapsule())->group;
    const double count = ctx->saved_data["count"].toDouble();
    const int64_t channels = input.size(1);
    const int64_t dim = input.dim();
    const auto dims = reducedDims(input);
    at::Tensor gradOut = gradOutputs[0].contiguous();
    at::Tensor centered = input - perChannel(mean, dim);
    at::Tensor sumDy = gradOut.sum(dims);
    at::Tensor sumDyXmu = (gradOut * centered).sum(dims);
    at::Tensor gradWeight = weight.defined() ? sumDyXmu * invstd : at::Tensor();
    at::Tensor gradBias = ctx->needs_input_grad(2) ? sumDy.clone() : at::Tensor();
    // Every rank runs this all-reduce, whatever its own input needs: the ranks must call the same collectives.
    at::Tensor global = allReduceSum(g, at::cat({sumDy, sumDyXmu}).to(at::kDouble), "SyncBatchNorm backward") / count;
    at::Tensor meanDy = global.narrow(0, 0, channels).to(input.scalar_type());
    at::Tensor meanDyXmu = global.narrow(0, channels, channels).to(input.scalar_type());
    at::Tensor scale = weight.defined() ? invstd * weight : invstd;
    at::Tensor gradInput = (gradOut - perChannel(meanDy, dim) -
                            centered * perChannel(invstd.square() * meanDyXmu, dim)) * perChannel(scale, dim);
    return {gradInput, gradWeight, gradBias, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

at::Tensor optionalTensor(Napi::Env env, const Napi::Value& v, const char* what) {
  if (v.IsNull() || v.IsUndefined()) return at::Tensor();
  TensorBox* box = unboxTensor(env, v);
  if (box == nullptr || !box->tensor.defined()) throw Napi::TypeError::New(env, std::string("syncBatchNorm: ") + what + " is not a live Tensor");
  return box->tensor;
}

// syncBatchNorm(group, input, weight?, bias?, runningMean?, runningVar?, momentum, eps) → Tensor.
Napi::Value syncBatchNorm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<Group> group = liveGroup(env, info[0], "syncBatchNorm");
  at::Tensor input = optionalTensor(env, info[1], "input");
  if (!input.defined()) throw Napi::TypeError::New(env, "syncBatchNorm: input is not a live Tensor");
  if (input.dim() < 2) throw Napi::TypeError::New(env, "syncBatchNorm: input must have a channel dimension (N, C, ...)");
  if (!input.device().is_cpu()) throw Napi::TypeError::New(env, "syncBatchNorm: the input is on " + input.device().str() + "; a Gloo group takes CPU tensors");
  at::Tensor weight = optionalTensor(env, info[2], "weight");
  at::Tensor bias = optionalTensor(env, info[3], "bias");
  at::Tensor runningMean = optionalTensor(env, info[4], "runningMean");
  at::Tensor runningVar = optionalTensor(env, info[5], "runningVar");
  double momentum = info[6].As<Napi::Number>().DoubleValue();
  double eps = info[7].As<Napi::Number>().DoubleValue();
  c10::IValue capsule = c10::IValue::make_capsule(c10::make_intrusive<GroupCapsule>(group));
  at::Tensor out;
  try {
    out = SyncBatchNormFunction::apply(input, weight, bias, runningMean, runningVar, capsule, momentum, eps);
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, "syncBatchNorm: " + describeException(e));
  }
  return boxTensor(env, out);
}

}  // namespace

void initSyncBatchNorm(Napi::Env env, Napi::Object exports) {
  exportChecked(env, exports, "syncBatchNorm", syncBatchNorm);
}

}  // namespace segkit
