#include "fault_guard.h"

#include <csignal>
#include <cstring>
#include <mutex>

namespace segkit {

thread_local sigjmp_buf* faultJump = nullptr;

namespace {

const int kSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
struct sigaction previous[NSIG];

void onFault(int signal, siginfo_t* info, void* context) {
  if (faultJump != nullptr) siglongjmp(*faultJump, signal);
  // Not inside a guarded call: behave as if this handler were not there (V8 has its own for wasm).
  const struct sigaction& before = previous[signal];
  if (before.sa_flags & SA_SIGINFO) {
    if (before.sa_sigaction != nullptr) before.sa_sigaction(signal, info, context);
    return;
  }
  if (before.sa_handler == SIG_IGN) return;
  if (before.sa_handler == SIG_DFL) {
    std::signal(signal, SIG_DFL);
    std::raise(signal);
    return;
  }
  before.sa_handler(signal);
}

}  // namespace

void installFaultGuard() {
  static std::once_flag once;
  std::call_once(once, [] {
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
    case SIGSEGV: return "segmentation fault";
    case SIGBUS: return "bus error";
    case SIGFPE: return "floating point exception";
    case SIGILL: return "illegal instruction";
    case SIGABRT: return "abort";
    default: return "signal " + std::to_string(signal);
  }
}

}  // namespace segkit
