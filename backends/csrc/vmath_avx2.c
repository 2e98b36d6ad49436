/* Compiled with -mavx2 -mfma: called only where the CPU has both. */
#define T double
#define V __m256d
#define W 4
#define LOAD _mm256_loadu_pd
#define STORE _mm256_storeu_pd
#define NAME npc_sleef_d4
#include "vmath_sleef.h"
#undef T
#undef V
#undef W
#undef LOAD
#undef STORE
#undef NAME
#define T float
#define V __m256
#define W 8
#define LOAD _mm256_loadu_ps
#define STORE _mm256_storeu_ps
#define NAME npc_sleef_f8
#include "vmath_sleef.h"
