// Turns a hardware fault or abort inside a libtorch kernel (some kernels trust their callers and
// crash on inputs they never check) into a JS error instead of the end of the process.
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

}  // namespace segkit
