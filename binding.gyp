{
  "targets": [
    {
      "target_name": "aberrant_native",
      "sources": [
        "native/src/addon.c",
        "native/src/pool.c",
        "native/src/gemm.c",
        "native/src/elementwise.c",
        "native/src/gmm.c",
        "native/src/gmm_avx2.c",
        "native/src/mlp.c",
        "native/src/rng.c",
        "native/src/distance.c",
        "native/src/forest.c",
        "native/src/normalize.c",
        "native/src/scale.c",
        "native/src/jsexp.c"
      ],
      "cflags": ["-O3", "-std=c11", "-D_GNU_SOURCE", "-fvisibility=hidden", "-fno-math-errno", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "cflags!": ["-O2", "-O0", "-ffast-math"],
      "libraries": ["-lm", "-lpthread"],
      "xcode_settings": {
        "OTHER_CFLAGS": ["-O3", "-std=c11", "-fno-math-errno"]
      }
    }
  ]
}
