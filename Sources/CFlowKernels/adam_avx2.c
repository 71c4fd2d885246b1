// Adam's update with AVX2 (see CFlowKernels.h): Adam.update's operations,
// lane for lane and in the same order (no fused forms: -ffp-contract=off and
// no fma intrinsic), U vectors per step so that their sqrt-and-divide chains
// overlap, as the tanh of kernels_avx2.c.
#include "CFlowKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))

enum { U = 4 };

AVX2 ptrdiff_t cfk_adam_avx2(double *p, double *m, double *v, const double *g, ptrdiff_t n, double scale,
                             double b1, double omb1, double b2, double omb2, double lr, double c1, double c2,
                             double eps) {
    const __m256d vs = _mm256_set1_pd(scale), vb1 = _mm256_set1_pd(b1), vo1 = _mm256_set1_pd(omb1);
    const __m256d vb2 = _mm256_set1_pd(b2), vo2 = _mm256_set1_pd(omb2), vlr = _mm256_set1_pd(lr);
    const __m256d vc1 = _mm256_set1_pd(c1), vc2 = _mm256_set1_pd(c2), veps = _mm256_set1_pd(eps);
    ptrdiff_t i = 0;
    for (; i + 4 * U <= n; i += 4 * U) {
        __m256d gi[U], mi[U], vi[U], st[U];
        for (int j = 0; j < U; j++) gi[j] = _mm256_mul_pd(_mm256_loadu_pd(g + i + 4 * j), vs);
        for (int j = 0; j < U; j++)
            mi[j] = _mm256_add_pd(_mm256_mul_pd(vb1, _mm256_loadu_pd(m + i + 4 * j)), _mm256_mul_pd(vo1, gi[j]));
        for (int j = 0; j < U; j++)
            vi[j] = _mm256_add_pd(_mm256_mul_pd(vb2, _mm256_loadu_pd(v + i + 4 * j)),
                                  _mm256_mul_pd(_mm256_mul_pd(vo2, gi[j]), gi[j]));
        for (int j = 0; j < U; j++) {
            _mm256_storeu_pd(m + i + 4 * j, mi[j]);
            _mm256_storeu_pd(v + i + 4 * j, vi[j]);
        }
        for (int j = 0; j < U; j++)
            st[j] = _mm256_div_pd(_mm256_mul_pd(vlr, _mm256_mul_pd(mi[j], vc1)),
                                  _mm256_add_pd(_mm256_sqrt_pd(_mm256_mul_pd(vi[j], vc2)), veps));
        for (int j = 0; j < U; j++)
            _mm256_storeu_pd(p + i + 4 * j, _mm256_sub_pd(_mm256_loadu_pd(p + i + 4 * j), st[j]));
    }
    return i;
}

#else
ptrdiff_t cfk_adam_avx2(double *p, double *m, double *v, const double *g, ptrdiff_t n, double scale,
                        double b1, double omb1, double b2, double omb2, double lr, double c1, double c2,
                        double eps) {
    __builtin_trap();
}
#endif
