{
  "targets": [
    {
      "target_name": "segkit_torch",
      "sources": [
        "addon.cc",
        "tensor_box.cc",
        "dispatch.cc",
        "runtime.cc",
        "fault_guard.cc",
        "export.cc",
        "distributed.cc",
        "cpu_cache.cc",
        "data_parallel.cc",
        "sync_batch_norm.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node ../scripts/find-libtorch.mjs --field includes)",
        "shim"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_CPP_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED",
        "USE_C10D_GLOO",
        "<!@(node ../scripts/find-libtorch.mjs --field defines)"
      ],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O2", "-Wno-unused-parameter", "-Wno-deprecated-declarations"],
      "libraries": [
        "-L<!(node ../scripts/find-libtorch.mjs --field libdir)",
        "-Wl,-rpath,<!(node ../scripts/find-libtorch.mjs --field libdir)",
        "-ltorch", "-ltorch_cpu", "-lc10"
      ]
    }
  ]
}
