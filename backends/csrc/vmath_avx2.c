/* Compiled with -mavx2 -mfma: called only where the CPU has both. */
#include "vmath_sleef.h"

SLEEF_LOOP(npc_sleef_d4, double, __m256d, 4, _mm256_loadu_pd, _mm256_storeu_pd)
SLEEF_LOOP(npc_sleef_f8, float, __m256, 8, _mm256_loadu_ps, _mm256_storeu_ps)
