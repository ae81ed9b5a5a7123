// c10d, PyTorch's distributed engine: the TCPStore rendezvous and a Gloo process group, started the
// way torch.distributed.init_process_group (1.13, env://) starts its default group, so that segkit
// ranks and Python ranks form one group. Everything that can block (the rendezvous, collectives,
// teardown) runs on libuv's thread pool and settles a promise: the event loop never waits.
#include "distributed.h"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

namespace segkit {

namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// Every segkit rank bumps a counter in the store this often; after a failed collective, the ranks
// whose counters stood still over kLivenessWindow are the lost ones.
constexpr milliseconds kHeartbeatInterval{200};
constexpr milliseconds kLivenessWindow{1500};

// torch.distributed 1.13's default group: its store prefix, its group name (the first group made),
// and the key of the store-based barrier that ends init_process_group.
constexpr const char* kDefaultGroupPrefix = "default_pg";
constexpr const char* kDefaultGroupName = "0";
constexpr const char* kStartBarrierKey = "store_based_barrier_key:1";

struct GroupConfig {
  std::string masterAddr;
  int masterPort = 0;
  int rank = 0;
  int worldSize = 0;
  milliseconds timeout{0};
  std::vector<std::string> interfaces;  // Gloo's devices (GLOO_SOCKET_IFNAME); none: the host name's address
};

std::string rankLabel(const GroupConfig& c) {
  return "rank " + std::to_string(c.rank) + " of " + std::to_string(c.worldSize);
}

std::string masterLabel(const GroupConfig& c) { return c.masterAddr + ":" + std::to_string(c.masterPort); }

std::string describe(const std::exception& e) {
  if (auto* c10Error = dynamic_cast<const c10::Error*>(&e)) return c10Error->what_without_backtrace();
  return e.what();
}

std::string joinRanks(const std::vector<int>& ranks) {
  std::string out;
  for (int r : ranks) out += (out.empty() ? "" : ", ") + std::to_string(r);
  return out;
}

std::vector<uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }

// A thread bumping this rank's counter in the store until stopped (or until the store is gone).
class Heartbeat {
 public:
  Heartbeat(c10::intrusive_ptr<c10d::Store> store, int rank)
      : store_(std::move(store)), key_(std::to_string(rank)), thread_([this] { run(); }) {}
  ~Heartbeat() { stop(); }
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void run() {
    for (;;) {
      try {
        store_->add(key_, 1);
      } catch (const std::exception&) {
        return;  // the store (rank 0) is gone; the next collective reports it
      }
      std::unique_lock<std::mutex> lock(mutex_);
      if (wake_.wait_for(lock, kHeartbeatInterval, [this] { return stopping_; })) return;
    }
  }

  c10::intrusive_ptr<c10d::Store> store_;
  std::string key_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

// Heartbeats still running when the process exits stop before libtorch's static objects go.
std::mutex liveHeartbeatsMutex;
std::set<Heartbeat*> liveHeartbeats;

void stopLiveHeartbeats() {
  std::lock_guard<std::mutex> lock(liveHeartbeatsMutex);
  for (Heartbeat* h : liveHeartbeats) h->stop();
}

}  // namespace

struct Group {
  GroupConfig config;
  c10::intrusive_ptr<c10d::TCPStore> tcpStore;
  c10::intrusive_ptr<c10d::Store> livenessStore;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
  std::unique_ptr<Heartbeat> heartbeat;

  ~Group() {
    if (!heartbeat) return;
    {
      std::lock_guard<std::mutex> lock(liveHeartbeatsMutex);
      liveHeartbeats.erase(heartbeat.get());
    }
    heartbeat->stop();
  }
};

// What JS holds: the group until destroy() takes it.
struct GroupHandle {
  std::shared_ptr<Group> group;
};

namespace {

// Names the lost ranks: those whose heartbeat stands still, or rank 0 when its store is unreachable.
std::string lostRanks(const Group& g) {
  const GroupConfig& c = g.config;
  auto counters = [&] {
    std::vector<int64_t> out;
    for (int r = 0; r < c.worldSize; r++) out.push_back(g.livenessStore->add(std::to_string(r), 0));
    return out;
  };
  std::vector<int64_t> before;
  std::vector<int64_t> after;
  try {
    before = counters();
    std::this_thread::sleep_for(kLivenessWindow);
    after = counters();
  } catch (const std::exception&) {
    return "lost rank 0: the rendezvous store it hosts at " + masterLabel(c) + " is unreachable";
  }
  std::vector<int> lost;
  std::vector<int> silent;
  for (int r = 0; r < c.worldSize; r++) {
    if (r == c.rank) continue;
    if (after[r] == 0) silent.push_back(r);
    else if (after[r] == before[r]) lost.push_back(r);
  }
  std::string out;
  if (!lost.empty()) {
    out = "lost rank " + joinRanks(lost) + " (no heartbeat for " + std::to_string(kLivenessWindow.count()) + " ms)";
  }
  if (!silent.empty()) {
    out += (out.empty() ? "" : "; ") + std::string("rank ") + joinRanks(silent) +
           " sent no segkit heartbeat (not segkit processes: whether they are alive is unknown)";
  }
  return out.empty() ? "every rank is alive (one may be stuck, or the ranks called different collectives)" : out;
}

// Which ranks did not publish their Gloo address (gloo's connectFullMesh key "<device>/<rank>"),
// said as the start of an error message; empty when all did.
std::string absentRanks(c10d::Store& glooStore, const GroupConfig& c) {
  std::vector<int> absent;
  try {
    for (int r = 0; r < c.worldSize; r++) {
      if (!glooStore.check({"0/" + std::to_string(r)})) absent.push_back(r);
    }
  } catch (const std::exception&) {
    return "lost rank 0: the rendezvous store it hosts at " + masterLabel(c) + " is unreachable: ";
  }
  if (absent.empty()) return "";
  return "rank " + joinRanks(absent) + " did not join within " + std::to_string(c.timeout.count()) +
         " ms (rendezvous at " + masterLabel(c) + "): ";
}

// torch.distributed's store-based barrier: every rank adds one, then waits for the count to reach
// the world size.
void startBarrier(c10d::Store& defaultStore, const GroupConfig& c) {
  defaultStore.add(kStartBarrierKey, 1);
  const auto deadline = Clock::now() + c.timeout;
  for (;;) {
    int64_t arrived = defaultStore.add(kStartBarrierKey, 0);
    if (arrived == c.worldSize) return;
    if (arrived > c.worldSize) {
      throw std::runtime_error("world size mismatch: " + std::to_string(arrived) +
                               " ranks reached the start-up barrier, this rank expects " + std::to_string(c.worldSize));
    }
    if (Clock::now() > deadline) {
      throw std::runtime_error("timed out after " + std::to_string(c.timeout.count()) +
                               " ms in the start-up barrier: " + std::to_string(arrived) + " of " +
                               std::to_string(c.worldSize) + " ranks arrived");
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
}

// Every segkit rank must be started with the same world size and a rank of its own.
void checkAgreement(c10d::Store& segkitStore, const GroupConfig& c) {
  std::string mine = std::to_string(c.worldSize) + " " + std::to_string(c.rank);
  std::vector<uint8_t> first = segkitStore.compareSet("world_size", {}, bytes(mine));
  int firstWorldSize = 0;
  int firstRank = 0;
  if (std::sscanf(std::string(first.begin(), first.end()).c_str(), "%d %d", &firstWorldSize, &firstRank) != 2) {
    throw std::runtime_error("the store at " + masterLabel(c) + " holds an unreadable segkit/world_size");
  }
  if (firstWorldSize != c.worldSize) {
    throw std::runtime_error("world size mismatch: this rank was started with world size " +
                             std::to_string(c.worldSize) + ", rank " + std::to_string(firstRank) + " with " +
                             std::to_string(firstWorldSize) + " (every rank needs the same WORLD_SIZE)");
  }
  if (segkitStore.add("rank/" + std::to_string(c.rank), 1) > 1) {
    throw std::runtime_error("another process already joined as rank " + std::to_string(c.rank) +
                             " (every rank needs a RANK of its own)");
  }
}

std::shared_ptr<Group> formGroup(const GroupConfig& c) {
  auto group = std::make_shared<Group>();
  group->config = c;

  c10d::TCPStoreOptions storeOptions;
  storeOptions.port = static_cast<uint16_t>(c.masterPort);
  storeOptions.isServer = c.rank == 0;
  storeOptions.numWorkers = c.worldSize;
  storeOptions.waitWorkers = false;  // a rank that never comes is named below, after the Gloo rendezvous
  storeOptions.timeout = c.timeout;
  storeOptions.multiTenant = true;
  try {
    group->tcpStore = c10::make_intrusive<c10d::TCPStore>(c.masterAddr, storeOptions);
    // Counts this rank in the "init/" key a Python rank 0 waits on (on clients it only counts).
    if (c.rank != 0) group->tcpStore->waitForWorkers();
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string(c.rank == 0 ? "could not start the rendezvous store on "
                                                     : "could not reach the rendezvous store that rank 0 hosts at ") +
                             masterLabel(c) + ": " + describe(e));
  }

  checkAgreement(*c10::make_intrusive<c10d::PrefixStore>("segkit", group->tcpStore), c);

  auto defaultStore = c10::make_intrusive<c10d::PrefixStore>(kDefaultGroupPrefix, group->tcpStore);
  auto glooStore = c10::make_intrusive<c10d::PrefixStore>(kDefaultGroupName, defaultStore);
  try {
    auto options = c10d::ProcessGroupGloo::Options::create(c.timeout);
    for (const std::string& name : c.interfaces) {
      options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(name));
    }
    if (options->devices.empty()) options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    options->threads = static_cast<int>(options->devices.size()) * 2;  // as torch.distributed does
    group->gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(glooStore, c.rank, c.worldSize, options);
  } catch (const std::exception& e) {
    throw std::runtime_error(absentRanks(*glooStore, c) + describe(e));
  }
  startBarrier(*defaultStore, c);
  group->gloo->setSequenceNumberForGroup();

  group->livenessStore = c10::make_intrusive<c10d::PrefixStore>("segkit_heartbeat", group->tcpStore);
  group->heartbeat = std::make_unique<Heartbeat>(group->livenessStore, c.rank);
  std::lock_guard<std::mutex> lock(liveHeartbeatsMutex);
  liveHeartbeats.insert(group->heartbeat.get());
  return group;
}

// The default group as init_process_group forms it; errors name this rank.
std::shared_ptr<Group> startGroup(const GroupConfig& c) {
  try {
    return formGroup(c);
  } catch (const std::exception& e) {
    throw std::runtime_error("initProcessGroup (" + rankLabel(c) + "): " + describe(e));
  }
}

// Runs `work` on libuv's thread pool, then settles a promise: with `settle(env)` when work returned,
// with an Error carrying the message work threw otherwise.
class PoolTask : public Napi::AsyncWorker {
 public:
  PoolTask(Napi::Env env, std::function<void()> work, std::function<Napi::Value(Napi::Env)> settle)
      : Napi::AsyncWorker(env, "segkit:distributed"),
        deferred_(Napi::Promise::Deferred::New(env)),
        work_(std::move(work)),
        settle_(std::move(settle)) {}

  static Napi::Promise start(Napi::Env env, std::function<void()> work, std::function<Napi::Value(Napi::Env)> settle) {
    auto* task = new PoolTask(env, std::move(work), std::move(settle));
    Napi::Promise promise = task->deferred_.Promise();
    task->Queue();  // the worker deletes itself once settled
    return promise;
  }

 protected:
  void Execute() override {
    try {
      work_();
    } catch (const std::exception& e) {
      SetError(describe(e));
    }
  }
  void OnOK() override { deferred_.Resolve(settle_(Env())); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::function<void()> work_;
  std::function<Napi::Value(Napi::Env)> settle_;
};

Napi::Value undefinedValue(Napi::Env env) { return env.Undefined(); }

int intField(Napi::Env env, const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) throw Napi::TypeError::New(env, std::string("distInit: config.") + key + " must be a number");
  return v.As<Napi::Number>().Int32Value();
}

// distInit({ masterAddr, masterPort, rank, worldSize, timeoutMs, interfaces }) → Promise<group>.
// The TypeScript layer has validated the values and named their environment variables.
Napi::Value distInit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "distInit(config): config must be an object");
  Napi::Object o = info[0].As<Napi::Object>();
  GroupConfig c;
  if (!o.Get("masterAddr").IsString()) throw Napi::TypeError::New(env, "distInit: config.masterAddr must be a string");
  c.masterAddr = o.Get("masterAddr").As<Napi::String>().Utf8Value();
  c.masterPort = intField(env, o, "masterPort");
  c.rank = intField(env, o, "rank");
  c.worldSize = intField(env, o, "worldSize");
  c.timeout = milliseconds(intField(env, o, "timeoutMs"));
  if (!o.Get("interfaces").IsArray()) throw Napi::TypeError::New(env, "distInit: config.interfaces must be an array");
  Napi::Array interfaces = o.Get("interfaces").As<Napi::Array>();
  for (uint32_t i = 0; i < interfaces.Length(); i++) c.interfaces.push_back(interfaces.Get(i).ToString().Utf8Value());

  auto started = std::make_shared<std::shared_ptr<Group>>();
  return PoolTask::start(
      env, [c, started] { *started = startGroup(c); },
      [started](Napi::Env env) -> Napi::Value {
        return Napi::External<GroupHandle>::New(env, new GroupHandle{*started},
                                                [](Napi::Env, GroupHandle* h) { delete h; });
      });
}

}  // namespace

std::shared_ptr<Group> liveGroup(Napi::Env env, const Napi::Value& v, const std::string& op) {
  if (!v.IsExternal()) throw Napi::TypeError::New(env, op + ": expected a process group from initProcessGroup");
  GroupHandle* h = v.As<Napi::External<GroupHandle>>().Data();
  if (!h->group) throw Napi::Error::New(env, op + ": the process group has been destroyed");
  return h->group;
}

namespace {

// The tensor a collective reads and writes in place: live, on the CPU, contiguous.
at::Tensor collectiveTensor(Napi::Env env, const Napi::Value& v, const std::string& op) {
  TensorBox* box = unboxTensor(env, v);
  if (box == nullptr || !box->tensor.defined()) throw Napi::TypeError::New(env, op + ": tensor is not a live Tensor");
  const at::Tensor& t = box->tensor;
  if (!t.device().is_cpu()) {
    throw Napi::TypeError::New(env, op + ": the tensor is on " + t.device().str() + "; a Gloo group takes CPU tensors");
  }
  if (!t.is_contiguous()) throw Napi::TypeError::New(env, op + ": the tensor must be contiguous (call .contiguous())");
  return t;
}

// Waits for `work` (already queued on Gloo's threads) on the pool; a failure names the operation,
// this rank and the lost ranks. `after` runs on the pool once the work succeeded.
Napi::Promise awaitWork(Napi::Env env, const std::string& op, std::shared_ptr<Group> group,
                        c10::intrusive_ptr<c10d::Work> work, std::function<void()> after,
                        std::function<Napi::Value(Napi::Env)> settle) {
  return PoolTask::start(
      env,
      [op, group, work, after] {
        waitOrExplain(*group, work, op);
        if (after) after();
      },
      std::move(settle));
}

// distAllReduce(group, tensor, op: "sum" | "max" | "average"): in place. Gloo has no average: it
// is the sum divided by the world size.
Napi::Value distAllReduce(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<Group> group = liveGroup(env, info[0], "allReduce");
  at::Tensor t = collectiveTensor(env, info[1], "allReduce");
  std::string op = info[2].IsString() ? info[2].As<Napi::String>().Utf8Value() : "";
  c10d::AllreduceOptions options;
  if (op == "sum" || op == "average") options.reduceOp = c10d::ReduceOp::SUM;
  else if (op == "max") options.reduceOp = c10d::ReduceOp::MAX;
  else throw Napi::TypeError::New(env, "allReduce: op must be \"sum\", \"max\" or \"average\", got \"" + op + "\"");
  if (op == "average" && !at::isFloatingType(t.scalar_type())) {
    throw Napi::TypeError::New(env, std::string("allReduce: \"average\" needs a floating-point tensor, got ") +
                                        dtypeName(t.scalar_type()));
  }
  std::vector<at::Tensor> tensors{t};
  auto work = guarded(env, "allReduce", [&] { return group->gloo->allreduce(tensors, options); });
  std::function<void()> after;
  if (op == "average") {
    after = [t, n = group->config.worldSize]() mutable {
      at::NoGradGuard noGrad;
      t.div_(n);
    };
  }
  return awaitWork(env, "allReduce", group, work, after, undefinedValue);
}

// distBroadcast(group, tensor, root): rank root's values into every rank's tensor.
Napi::Value distBroadcast(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<Group> group = liveGroup(env, info[0], "broadcast");
  at::Tensor t = collectiveTensor(env, info[1], "broadcast");
  int worldSize = group->config.worldSize;
  int root = info[2].IsNumber() ? info[2].As<Napi::Number>().Int32Value() : -1;
  if (!info[2].IsNumber() || root < 0 || root >= worldSize || info[2].As<Napi::Number>().DoubleValue() != root) {
    throw Napi::RangeError::New(env, "broadcast: root must be a rank in [0, " + std::to_string(worldSize) + ")");
  }
  c10d::BroadcastOptions options;
  options.rootRank = root;
  std::vector<at::Tensor> tensors{t};
  auto work = guarded(env, "broadcast", [&] { return group->gloo->broadcast(tensors, options); });
  return awaitWork(env, "broadcast", group, work, nullptr, undefinedValue);
}

// distAllGather(group, tensor) → Promise<handle>: every rank's tensor stacked along a new first
// dimension, in rank order.
Napi::Value distAllGather(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<Group> group = liveGroup(env, info[0], "allGather");
  at::Tensor t = collectiveTensor(env, info[1], "allGather");
  auto [work, gathered] = guarded(env, "allGather", [&] {
    std::vector<int64_t> shape{group->config.worldSize};
    shape.insert(shape.end(), t.sizes().begin(), t.sizes().end());
    at::Tensor all = at::empty(shape, t.options());
    std::vector<std::vector<at::Tensor>> outputs{std::vector<at::Tensor>(all.unbind(0))};
    std::vector<at::Tensor> inputs{t};
    return std::make_pair(group->gloo->allgather(outputs, inputs), all);
  });
  return awaitWork(env, "allGather", group, work, nullptr,
                   [gathered = gathered](Napi::Env env) { return boxTensor(env, gathered); });
}

Napi::Value distBarrier(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<Group> group = liveGroup(env, info[0], "barrier");
  auto work = guarded(env, "barrier", [&] { return group->gloo->barrier(); });
  return awaitWork(env, "barrier", group, work, nullptr, undefinedValue);
}

// distDestroy(group): stops the heartbeat and tears Gloo's threads and the store down on the pool
// (Gloo's destructor waits for work still queued).
Napi::Value distDestroy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsExternal()) throw Napi::TypeError::New(env, "destroy: expected a process group from initProcessGroup");
  GroupHandle* h = info[0].As<Napi::External<GroupHandle>>().Data();
  auto group = std::make_shared<std::shared_ptr<Group>>(std::move(h->group));
  return PoolTask::start(env, [group] { group->reset(); }, undefinedValue);
}

}  // namespace

c10::intrusive_ptr<c10d::ProcessGroup> processGroupOf(const Group& g) { return g.gloo; }

std::string explainFailure(const Group& g, const std::string& op, const std::exception& e) {
  const GroupConfig& c = g.config;
  return op + " (" + rankLabel(c) + ", timeout " + std::to_string(c.timeout.count()) + " ms): " + describe(e) + "; " +
         lostRanks(g);
}

void waitOrExplain(const Group& g, const c10::intrusive_ptr<c10d::Work>& work, const std::string& op) {
  try {
    work->wait(g.config.timeout);
  } catch (const std::exception& e) {
    throw std::runtime_error(explainFailure(g, op, e));
  }
}

Napi::Promise runOnPool(Napi::Env env, std::function<void()> work, std::function<Napi::Value(Napi::Env)> settle) {
  return PoolTask::start(env, std::move(work), std::move(settle));
}

std::string describeException(const std::exception& e) { return describe(e); }

void initDistributed(Napi::Env env, Napi::Object exports) {
  static std::once_flag atExit;
  std::call_once(atExit, [] { std::atexit(stopLiveHeartbeats); });
  exportChecked(env, exports, "distInit", distInit);
  exportChecked(env, exports, "distAllReduce", distAllReduce);
  exportChecked(env, exports, "distBroadcast", distBroadcast);
  exportChecked(env, exports, "distAllGather", distAllGather);
  exportChecked(env, exports, "distBarrier", distBarrier);
  exports.Set("distDestroy", Napi::Function::New<distDestroy>(env, "distDestroy"));
}

}  // namespace segkit
