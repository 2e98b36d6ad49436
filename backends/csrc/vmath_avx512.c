/* Compiled with -mavx512f: called only where the CPU has it. */
#define T double
#define V __m512d
#define W 8
#define LOAD _mm512_loadu_pd
#define STORE _mm512_storeu_pd
#define NAME npc_sleef_d8
#include "vmath_sleef.h"
#undef T
#undef V
#undef W
#undef LOAD
#undef STORE
#undef NAME
#define T float
#define V __m512
#define W 16
#define LOAD _mm512_loadu_ps
#define STORE _mm512_storeu_ps
#define NAME npc_sleef_f16
#include "vmath_sleef.h"
