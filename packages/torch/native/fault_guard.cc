#include "fault_guard.h"

#include <ATen/Parallel.h>

#include <atomic>
#include <csignal>
#include <cstring>
#include <mutex>
#include <unistd.h>

namespace segkit {

thread_local sigjmp_buf* faultJump = nullptr;

namespace {

const int kSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
struct sigaction previous[NSIG];

// The first fault caught in this process: its signal (0 while none) and the call it stopped.
std::atomic<int> faultedSignal{0};
std::atomic<const char*> faultedLabel{nullptr};

// Guarded calls running now, in the whole process, and the label of the latest one to start (what
// a fault on an OpenMP worker thread is most likely part of).
std::atomic<int> activeCalls{0};
std::atomic<const char*> latestCall{nullptr};
thread_local const char* currentCall = nullptr;

// Async-signal-safe: no allocation, no locks, no stdio.
const char* signalText(int signal) {
  switch (signal) {
    case SIGSEGV: return "segmentation fault";
    case SIGBUS: return "bus error";
    case SIGFPE: return "floating point exception";
    case SIGILL: return "illegal instruction";
    case SIGABRT: return "abort";
    default: return "fatal signal";
  }
}

void writeAll(const char* text) {
  size_t left = std::strlen(text);
  while (left > 0) {
    ssize_t n = write(STDERR_FILENO, text, left);
    if (n <= 0) return;
    text += n;
    left -= static_cast<size_t>(n);
  }
}

enum class Where { CallerInParallelRegion, WorkerThread, OtherThread };

// Says why the process is about to end, from inside the signal handler. Once per process: a second
// thread faulting meanwhile (every thread of a team often does) waits for the first to end it.
void reportFatal(int signal, Where where) {
  static std::atomic<bool> reported{false};
  if (reported.exchange(true)) {
    for (;;) pause();
  }
  const char* call = currentCall != nullptr ? currentCall : latestCall.load(std::memory_order_relaxed);
  writeAll("\nsegkit: libtorch faulted (");
  writeAll(signalText(signal));
  switch (where) {
    case Where::CallerInParallelRegion: writeAll(") inside an OpenMP parallel region, on the calling thread"); break;
    case Where::WorkerThread: writeAll(") on an OpenMP worker thread"); break;
    case Where::OtherThread: writeAll(") on a thread outside the guarded call"); break;
  }
  if (call != nullptr) {
    writeAll(", while running ");
    writeAll(call);
  }
  writeAll(". Other threads may still be running that kernel on memory the caller would reuse, so this fault "
           "cannot become a JS error: the process ends now. Check that operator's arguments; with "
           "setNumThreads(1) its kernel runs on the calling thread alone, where the same fault is reported as "
           "an error.\n");
}

// Ends the process by the signal, as it would have ended without the guard.
void endProcess(int signal) {
  std::signal(signal, SIG_DFL);
  std::raise(signal);
  _exit(128 + signal);
}

void onFault(int signal, siginfo_t* info, void* context) {
  // True on every thread of an active OpenMP team: the calling thread and its workers, while a
  // kernel's at::parallel_for (or OpenBLAS) runs on more than one thread.
  bool inParallelRegion = at::in_parallel_region();
  if (faultJump != nullptr) {
    // The calling thread: jump back to the guarded call, unless other threads are running the same
    // kernel. They read and write the kernel's locals on this thread's stack, which the jump would
    // hand back to JS, so nothing short of ending the process is safe.
    if (!inParallelRegion) siglongjmp(*faultJump, signal);
    reportFatal(signal, Where::CallerInParallelRegion);
    endProcess(signal);
  }
  // An OpenMP worker thread of a kernel: there is nowhere to jump to (and no wasm runs here).
  if (inParallelRegion) {
    reportFatal(signal, Where::WorkerThread);
    endProcess(signal);
  }
  // Any other thread. Behave as if this handler were not there (V8 has its own for wasm), but when
  // a guarded call is running, the fault may be part of its kernel (libtorch's pthreadpool runs
  // some on other threads): say so if the process is about to end.
  bool guardedCallRunning = activeCalls.load(std::memory_order_relaxed) > 0;
  const struct sigaction& before = previous[signal];
  if (before.sa_flags & SA_SIGINFO) {
    if (before.sa_sigaction != nullptr) before.sa_sigaction(signal, info, context);
    // V8's handler returns after redirecting a wasm fault; for any other it puts back the default
    // action and returns, and the fault recurs and ends the process.
    struct sigaction now;
    if (guardedCallRunning && sigaction(signal, nullptr, &now) == 0 && !(now.sa_flags & SA_SIGINFO) &&
        now.sa_handler == SIG_DFL) {
      reportFatal(signal, Where::OtherThread);
    }
    return;
  }
  if (before.sa_handler == SIG_IGN) return;
  if (before.sa_handler == SIG_DFL) {
    if (guardedCallRunning) reportFatal(signal, Where::OtherThread);
    endProcess(signal);
    return;
  }
  before.sa_handler(signal);
}

}  // namespace

void installFaultGuard() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Resolve the lazily bound symbol now: the dynamic linker must not run inside the handler.
    (void)at::in_parallel_region();
    struct sigaction action;
    std::memset(&action, 0, sizeof(action));
    action.sa_sigaction = onFault;
    // SA_NODEFER: the signal stays unblocked, so jumping out of the handler needs no mask restore.
    action.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    for (int s : kSignals) sigaction(s, &action, &previous[s]);
  });
}

std::string faultName(int signal) {
  switch (signal) {
    case SIGSEGV:
    case SIGBUS:
    case SIGFPE:
    case SIGILL:
    case SIGABRT: return signalText(signal);
    default: return "signal " + std::to_string(signal);
  }
}

void recordFault(int signal, const char* label) {
  // Called after the jump, outside the handler. The first fault wins; later ones change nothing.
  const char* none = nullptr;
  if (faultedLabel.compare_exchange_strong(none, label)) faultedSignal.store(signal);
}

bool libtorchFaulted() { return faultedSignal.load(std::memory_order_relaxed) != 0; }

std::string faultedMessage(const std::string& context) {
  int signal = faultedSignal.load();
  const char* label = faultedLabel.load();
  return context + ": libtorch faulted earlier in this process (" + faultName(signal) +
         (label != nullptr ? std::string(" in ") + label : std::string()) +
         "); restart it. A fault stops a kernel mid-way, skipping its cleanup and leaving its locks held, "
         "so nothing libtorch does afterwards can be trusted.";
}

ActiveCall::ActiveCall(const char* label) : previous_(currentCall) {
  currentCall = label;
  latestCall.store(label, std::memory_order_relaxed);
  activeCalls.fetch_add(1, std::memory_order_relaxed);
}

ActiveCall::~ActiveCall() {
  activeCalls.fetch_sub(1, std::memory_order_relaxed);
  currentCall = previous_;
}

}  // namespace segkit
