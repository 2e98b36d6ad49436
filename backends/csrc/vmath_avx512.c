/* Compiled with -mavx512f: called only where the CPU has it. */
#include "vmath_sleef.h"

SLEEF_LOOP(npc_sleef_d8, double, __m512d, 8, _mm512_loadu_pd, _mm512_storeu_pd)
SLEEF_LOOP(npc_sleef_f16, float, __m512, 16, _mm512_loadu_ps, _mm512_storeu_ps)
