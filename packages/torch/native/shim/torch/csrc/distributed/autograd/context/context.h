// Stand-in for a header Debian's libtorch-dev leaves out (torch/csrc/distributed/autograd/ is not
// shipped) but c10d/reducer.hpp includes: the Reducer only names the distributed-autograd context
// type, in a shared_ptr member and a callback typedef, and never uses it on the DDP path. Both are
// declared here as the real header declares them (a shared_ptr's layout does not depend on its
// pointee), so the Reducer's layout matches the library's. The include path lists this folder after
// libtorch's own: a libtorch that ships the real header uses it.
#pragma once

#include <ATen/core/Tensor.h>

#include <functional>
#include <memory>

namespace torch {
namespace distributed {
namespace autograd {

class DistAutogradContext {
 public:
  using GradCallback = std::function<bool(at::Tensor&)>;
};

using ContextPtr = std::shared_ptr<DistAutogradContext>;

}  // namespace autograd
}  // namespace distributed
}  // namespace torch
