// Turns a hardware fault or abort inside a libtorch kernel (some kernels trust their callers and
// crash on inputs they never check) into a JS error instead of the end of the process.
//
// A caught fault is the end of libtorch in this process all the same: the handler jumps out of the
// kernel with siglongjmp, so the C++ destructors between the fault and the guard never run and any
// lock the kernel held stays locked (the default generator's, an allocator's, OpenMP's team state).
// Nothing libtorch does afterwards can be trusted, so the first fault is recorded process-wide and
// every later call that reaches libtorch refuses to run (refuseAfterFault in common.h) with an error
// naming the first fault: "libtorch faulted earlier in this process ...; restart it".
//
// Only the thread that made the guarded call can jump back to it, and only while it runs the kernel
// alone. When at::parallel_for (or OpenBLAS) splits the kernel across an OpenMP team (setNumThreads()
// threads, for work above the kernel's grain size), a fault on any thread of the team is fatal: a
// worker has nowhere to jump to, and the other threads read and write the kernel's locals on the
// calling thread's stack, which a jump would hand back to JS. The handler then writes a message
// naming the operator to stderr and lets the signal end the process, as it would have without the
// guard. Faults on other threads while a guarded call runs (libtorch's pthreadpool, used by NNPACK
// and XNNPACK kernels) end the process with the same message; a fault on the calling thread while
// pthreadpool threads run the rest of its kernel is not told apart from a single-threaded one (no
// cheap test exists). With setNumThreads(1) (which also sizes libtorch's pthreadpool) every kernel
// runs on the calling thread alone, where its faults become errors. packages/torch/README.md says
// the same for users.
#pragma once

#include <csetjmp>
#include <string>

namespace segkit {

// Where a fault on this thread jumps to, while a guarded call runs; null otherwise.
extern thread_local sigjmp_buf* faultJump;

// Installs the handlers once per process; faults outside guarded calls go to the previous handlers.
void installFaultGuard();

// "segmentation fault", "floating point exception", ...
std::string faultName(int signal);

// Records the first fault caught in this process (`label` names the call and must outlive the process).
void recordFault(int signal, const char* label);

// True once any guarded call in the process has faulted.
bool libtorchFaulted();

// "<context>: libtorch faulted earlier in this process (<fault> in <op>); restart it. ..."
std::string faultedMessage(const std::string& context);

// Names the guarded call running on this thread for the fatal message of a fault on another thread
// (an OpenMP worker of its kernel). `label` must outlive the process.
class ActiveCall {
 public:
  explicit ActiveCall(const char* label);
  ~ActiveCall();
  ActiveCall(const ActiveCall&) = delete;
  ActiveCall& operator=(const ActiveCall&) = delete;

 private:
  const char* previous_;
};

// Runs `body` with a fault on this thread turned into a return value: 0 when body returned (or
// threw: exceptions propagate unchanged), else the signal that stopped it, already recorded with
// recordFault. Objects that body and the functions it calls own at the fault are never destroyed.
template <typename F>
int runCatchingFaults(const char* label, F&& body) {
  ActiveCall active(label);
  sigjmp_buf jump;
  sigjmp_buf* volatile outer = faultJump;
  int signal = sigsetjmp(jump, 0);
  if (signal != 0) {
    faultJump = outer;
    recordFault(signal, label);
    return signal;
  }
  faultJump = &jump;
  try {
    body();
  } catch (...) {
    faultJump = outer;
    throw;
  }
  faultJump = outer;
  return 0;
}

}  // namespace segkit
