// A caching CPU allocator for large tensor buffers, installed in place of libtorch's default one.
//
// Why: a buffer above glibc's mmap threshold (128 KiB, moving up to what was last freed) comes from
// mmap and goes back to the kernel when freed, and freed heap space above the trim threshold is
// returned too, so the next tensor of that size touches fresh pages and takes one page fault per 4 KiB. On virtual
// machines a fault costs microseconds: a 4×12×360×480 float32 loss input (33 MB, 8,100 faults) took
// 120 ms to fill instead of 11 ms, and a training step allocates such buffers by the dozen. Freed
// large buffers are kept (up to a limit) and handed out again for requests of nearly the same size,
// as PyTorch's CUDA allocator does for device memory. Buffers below 128 KiB go straight to malloc,
// which reuses them without faults. Between 128 KiB and 1 MiB malloc did not: SAM's prompt decoder
// (attention weights of 7 tokens × 4,096 image tokens, 0.9 MB each) took 1,800 faults and 20 of its
// 70 ms per prompt.
#include <map>
#include <mutex>
#include <unordered_map>

#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>

#include "common.h"

namespace segkit {
namespace {

constexpr size_t kMinCachedBytes = size_t{1} << 17;  // glibc's initial mmap threshold
constexpr size_t kDefaultLimitBytes = size_t{1} << 30;

struct CpuCacheStats {
  size_t cachedBytes;
  size_t limitBytes;
  uint64_t hits;
  uint64_t misses;
};

class CachingCpuAllocator final : public c10::Allocator {
 public:
  c10::DataPtr allocate(size_t bytes) const override {
    if (bytes < kMinCachedBytes) {
      void* data = c10::alloc_cpu(bytes);
      return {data, data, &c10::free_cpu, c10::Device(c10::DeviceType::CPU)};
    }
    void* data = takeCached(bytes);
    if (data == nullptr) data = c10::alloc_cpu(bytes);  // outside the lock: it may take long
    {
      std::lock_guard<std::mutex> lock(mutex_);
      sizes_.emplace(data, bytes);
    }
    return {data, data, &releaseLarge, c10::Device(c10::DeviceType::CPU)};
  }

  // raw_allocate/raw_deallocate need one deleter for every buffer, whatever its size.
  c10::DeleterFnPtr raw_deleter() const override { return &releaseAny; }

  CpuCacheStats stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return {cachedBytes_, limit_, hits_, misses_};
  }

  void setLimit(size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    limit_ = bytes;
    evictLocked(limit_);
  }

  void empty() {
    std::lock_guard<std::mutex> lock(mutex_);
    evictLocked(0);
  }

  // Takes a large buffer back: cached while under the limit, else freed. False if `data` is not one.
  bool release(void* data) {
    std::unique_lock<std::mutex> lock(mutex_);
    auto it = sizes_.find(data);
    if (it == sizes_.end()) return false;
    size_t bytes = it->second;
    sizes_.erase(it);
    if (cachedBytes_ + bytes <= limit_) {
      free_.emplace(bytes, data);
      cachedBytes_ += bytes;
      return true;
    }
    lock.unlock();
    c10::free_cpu(data);
    return true;
  }

 private:
  // The smallest cached buffer that fits with at most 1/8 to spare, or null.
  void* takeCached(size_t bytes) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = free_.lower_bound(bytes);
    if (it == free_.end() || it->first > bytes + bytes / 8) {
      misses_++;
      return nullptr;
    }
    void* data = it->second;
    // The buffer keeps its own size: sizes_ records it again under the request's DataPtr.
    cachedBytes_ -= it->first;
    hits_++;
    free_.erase(it);
    return data;
  }

  static void releaseLarge(void* data);
  static void releaseAny(void* data);

  // Frees the largest buffers first until at most `keep` bytes stay cached.
  void evictLocked(size_t keep) {
    while (cachedBytes_ > keep && !free_.empty()) {
      auto last = std::prev(free_.end());
      cachedBytes_ -= last->first;
      c10::free_cpu(last->second);
      free_.erase(last);
    }
  }

  mutable std::mutex mutex_;
  mutable std::multimap<size_t, void*> free_;        // cached buffers by size
  mutable std::unordered_map<void*, size_t> sizes_;  // large buffers in use, by address
  mutable size_t cachedBytes_ = 0;
  mutable uint64_t hits_ = 0;
  mutable uint64_t misses_ = 0;
  size_t limit_ = kDefaultLimitBytes;
};

// Never destroyed: tensors may be freed by libtorch's own static destructors at exit.
CachingCpuAllocator& cache() {
  static auto* instance = new CachingCpuAllocator();
  return *instance;
}

void CachingCpuAllocator::releaseLarge(void* data) { cache().release(data); }

void CachingCpuAllocator::releaseAny(void* data) {
  if (!cache().release(data)) c10::free_cpu(data);
}

// cpuCacheStats(): { cachedBytes, limitBytes, hits, misses } of the large-buffer cache.
Napi::Value cpuCacheStats(const Napi::CallbackInfo& info) {
  CpuCacheStats s = cache().stats();
  Napi::Object stats = Napi::Object::New(info.Env());
  stats.Set("cachedBytes", static_cast<double>(s.cachedBytes));
  stats.Set("limitBytes", static_cast<double>(s.limitBytes));
  stats.Set("hits", static_cast<double>(s.hits));
  stats.Set("misses", static_cast<double>(s.misses));
  return stats;
}

// setCpuCacheLimit(bytes): at most this many bytes of freed buffers are kept (0: none); frees the excess now.
Napi::Value setCpuCacheLimit(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(info.Env(), "setCpuCacheLimit: expected a number of bytes");
  double bytes = info[0].As<Napi::Number>().DoubleValue();
  if (!(bytes >= 0) || bytes > 9.0e15) throw Napi::RangeError::New(info.Env(), "setCpuCacheLimit: bytes must be a non-negative number");
  cache().setLimit(static_cast<size_t>(bytes));
  return info.Env().Undefined();
}

// emptyCpuCache(): returns every cached buffer to the system.
Napi::Value emptyCpuCache(const Napi::CallbackInfo& info) {
  cache().empty();
  return info.Env().Undefined();
}

}  // namespace

void initCpuCache(Napi::Env env, Napi::Object exports) {
  // Priority 1 outranks the default allocator's registration (0). Buffers allocated before this keep
  // their own deleter, so switching is safe at any time.
  static std::once_flag installed;
  std::call_once(installed, [] { c10::SetCPUAllocator(&cache(), 1); });
  exportChecked(env, exports, "cpuCacheStats", cpuCacheStats);
  exportChecked(env, exports, "setCpuCacheLimit", setCpuCacheLimit);
  exportChecked(env, exports, "emptyCpuCache", emptyCpuCache);
}

}  // namespace segkit
