/* One width's loop over SLEEF's vector functions (see backends/src/cpu/vmath.rs):
 * SLEEF_LOOP(NAME, T, V, W, LOAD, STORE) defines NAME over elements of T in
 * vectors V of W lanes, in a file compiled for that width's vector extension.
 * `fn` is one of SLEEF's functions of one vector V (found by the caller in
 * libtorch_cpu). Whole vectors come straight from a contiguous run; the rest
 * (and strided runs) go through one vector's buffer, so every element goes
 * through the same function. */
#include <stddef.h>
#include <immintrin.h>

#define SLEEF_LOOP(NAME, T, V, W, LOAD, STORE)                                       \
    void NAME(const void *fn, T *o, ptrdiff_t so, const T *x, ptrdiff_t sx, size_t n) { \
        V (*g)(V) = (V (*)(V))fn;                                                     \
        size_t i = 0;                                                                 \
        if (so == 1 && sx == 1)                                                       \
            for (; i + W <= n; i += W) STORE(o + i, g(LOAD(x + i)));                  \
        T buf[W] = {0};                                                               \
        while (i < n) {                                                               \
            size_t k = n - i < W ? n - i : W;                                         \
            for (size_t j = 0; j < k; j++) buf[j] = x[(ptrdiff_t)(i + j) * sx];       \
            STORE(buf, g(LOAD(buf)));                                                 \
            for (size_t j = 0; j < k; j++) o[(ptrdiff_t)(i + j) * so] = buf[j];       \
            i += k;                                                                   \
        }                                                                             \
    }
