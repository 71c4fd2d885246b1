// tanh on buffers with AVX2 and FMA (see CFlowKernels.h): FastMath.tanh and
// FastMath.tanhFloat, lane for lane the same operations as the Swift scalar
// formulas (built with -ffp-contract=off: every fused multiply-add is an
// explicit _mm256_fmadd/_mm256_fnmadd, nothing else is fused).
//
// Why not the compiler's vectorisation of the Swift loop: one tanh is a chain
// of ~25 dependent operations (~70 cycles with its division), and the loop
// issues them one vector after the other, so the FP scheduler fills with one
// or two vectors' chains and waits (measured 4.6 cycles per double on Zen 3).
// Here each step runs on U independent vectors before the next step, so the
// chains overlap.
#include "CFlowKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#define AVX2 __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))

enum { U = 4 };  // vectors per step

int cfk_avx2_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 1 : 0;
}

// FastMath.tanh on U·4 doubles at p, in place.
INLINE AVX2 void tanh4U(double *p) {
    const __m256d zero = _mm256_setzero_pd(), one = _mm256_set1_pd(1.0);
    const __m256d sign = _mm256_set1_pd(-0.0), magic = _mm256_set1_pd(0x1.8p52);
    __m256d x[U], a[U], big[U], t[U], r[U], s[U], r2[U], q[U], sp[U], rs[U], num[U], den[U];
    for (int j = 0; j < U; j++) x[j] = _mm256_loadu_pd(p + 4 * j);
    for (int j = 0; j < U; j++) a[j] = _mm256_andnot_pd(sign, x[j]);  // |x|
    for (int j = 0; j < U; j++) big[j] = _mm256_cmp_pd(a[j], _mm256_set1_pd(22.0), _CMP_GT_OQ);
    for (int j = 0; j < U; j++) a[j] = _mm256_blendv_pd(a[j], zero, big[j]);
    for (int j = 0; j < U; j++) a[j] = _mm256_add_pd(a[j], a[j]);  // xx = 2a
    for (int j = 0; j < U; j++) t[j] = _mm256_add_pd(_mm256_mul_pd(a[j], _mm256_set1_pd(1.4426950408889634)), magic);
    for (int j = 0; j < U; j++) {
        const __m256d k = _mm256_sub_pd(t[j], magic);
        r[j] = _mm256_fnmadd_pd(k, _mm256_set1_pd(6.93147180369123816490e-01), a[j]);
        r[j] = _mm256_fnmadd_pd(k, _mm256_set1_pd(1.90821492927058770002e-10), r[j]);
    }
    for (int j = 0; j < U; j++) {
        const __m256i bits = _mm256_sub_epi64(_mm256_castpd_si256(t[j]), _mm256_castpd_si256(magic));
        s[j] = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi64(bits, _mm256_set1_epi64x(1023)), 52));
    }
    for (int j = 0; j < U; j++) r2[j] = _mm256_mul_pd(r[j], r[j]);
    for (int j = 0; j < U; j++) q[j] = _mm256_fmadd_pd(r2[j], _mm256_set1_pd(1.0 / 665280), _mm256_set1_pd(1.0 / 792));
    for (int j = 0; j < U; j++) sp[j] = _mm256_fmadd_pd(r2[j], _mm256_set1_pd(1.0 / 15840), _mm256_set1_pd(1.0 / 66));
    for (int j = 0; j < U; j++) q[j] = _mm256_fmadd_pd(r2[j], q[j], _mm256_set1_pd(5.0 / 44));
    for (int j = 0; j < U; j++) sp[j] = _mm256_fmadd_pd(r2[j], sp[j], _mm256_set1_pd(0.5));
    for (int j = 0; j < U; j++) q[j] = _mm256_fmadd_pd(r2[j], q[j], one);
    for (int j = 0; j < U; j++) rs[j] = _mm256_mul_pd(r[j], sp[j]);
    for (int j = 0; j < U; j++) {
        const __m256d sm1 = _mm256_sub_pd(s[j], one), sp1 = _mm256_add_pd(s[j], one);
        num[j] = _mm256_fmadd_pd(sp1, rs[j], _mm256_mul_pd(sm1, q[j]));
        den[j] = _mm256_fmadd_pd(sm1, rs[j], _mm256_mul_pd(sp1, q[j]));
    }
    for (int j = 0; j < U; j++) {
        const __m256d th = _mm256_blendv_pd(_mm256_div_pd(num[j], den[j]), one, big[j]);
        const __m256d neg = _mm256_cmp_pd(x[j], zero, _CMP_LT_OQ);
        _mm256_storeu_pd(p + 4 * j, _mm256_xor_pd(th, _mm256_and_pd(neg, sign)));
    }
}

AVX2 void cfk_tanh_avx2(double *p, ptrdiff_t n) {
    ptrdiff_t i = 0;
    for (; i + 4 * U <= n; i += 4 * U) tanh4U(p + i);
    if (i < n) {
        // The tail through a zero-padded copy: lanes are independent.
        double tail[4 * U] = {0};
        memcpy(tail, p + i, (size_t)(n - i) * sizeof(double));
        tanh4U(tail);
        memcpy(p + i, tail, (size_t)(n - i) * sizeof(double));
    }
}

// FastMath.tanhFloat on U·8 floats at p, in place.
INLINE AVX2 void tanhf8U(float *p) {
    const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f);
    const __m256 sign = _mm256_set1_ps(-0.0f), magic = _mm256_set1_ps(0x1.8p23f);
    __m256 x[U], a[U], big[U], t[U], r[U], s[U], r2[U], q[U], sp[U], rs[U], num[U], den[U];
    for (int j = 0; j < U; j++) x[j] = _mm256_loadu_ps(p + 8 * j);
    for (int j = 0; j < U; j++) a[j] = _mm256_andnot_ps(sign, x[j]);
    for (int j = 0; j < U; j++) big[j] = _mm256_cmp_ps(a[j], _mm256_set1_ps(9.5f), _CMP_GT_OQ);
    for (int j = 0; j < U; j++) a[j] = _mm256_blendv_ps(a[j], zero, big[j]);
    for (int j = 0; j < U; j++) a[j] = _mm256_add_ps(a[j], a[j]);
    for (int j = 0; j < U; j++) t[j] = _mm256_add_ps(_mm256_mul_ps(a[j], _mm256_set1_ps(1.44269504f)), magic);
    for (int j = 0; j < U; j++) {
        const __m256 k = _mm256_sub_ps(t[j], magic);
        r[j] = _mm256_fnmadd_ps(k, _mm256_set1_ps(0.693359375f), a[j]);
        r[j] = _mm256_fnmadd_ps(k, _mm256_set1_ps(-2.12194440e-4f), r[j]);
    }
    for (int j = 0; j < U; j++) {
        const __m256i bits = _mm256_sub_epi32(_mm256_castps_si256(t[j]), _mm256_castps_si256(magic));
        s[j] = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(bits, _mm256_set1_epi32(127)), 23));
    }
    for (int j = 0; j < U; j++) r2[j] = _mm256_mul_ps(r[j], r[j]);
    for (int j = 0; j < U; j++) q[j] = _mm256_fmadd_ps(r2[j], _mm256_set1_ps(0.1f), one);
    for (int j = 0; j < U; j++) sp[j] = _mm256_fmadd_ps(r2[j], _mm256_set1_ps(1.0f / 120.0f), _mm256_set1_ps(0.5f));
    for (int j = 0; j < U; j++) rs[j] = _mm256_mul_ps(r[j], sp[j]);
    for (int j = 0; j < U; j++) {
        const __m256 sm1 = _mm256_sub_ps(s[j], one), sp1 = _mm256_add_ps(s[j], one);
        num[j] = _mm256_fmadd_ps(sp1, rs[j], _mm256_mul_ps(sm1, q[j]));
        den[j] = _mm256_fmadd_ps(sm1, rs[j], _mm256_mul_ps(sp1, q[j]));
    }
    for (int j = 0; j < U; j++) {
        const __m256 th = _mm256_blendv_ps(_mm256_div_ps(num[j], den[j]), one, big[j]);
        const __m256 neg = _mm256_cmp_ps(x[j], zero, _CMP_LT_OQ);
        _mm256_storeu_ps(p + 8 * j, _mm256_xor_ps(th, _mm256_and_ps(neg, sign)));
    }
}

AVX2 void cfk_tanhf_avx2(float *p, ptrdiff_t n) {
    ptrdiff_t i = 0;
    for (; i + 8 * U <= n; i += 8 * U) tanhf8U(p + i);
    if (i < n) {
        float tail[8 * U] = {0};
        memcpy(tail, p + i, (size_t)(n - i) * sizeof(float));
        tanhf8U(tail);
        memcpy(p + i, tail, (size_t)(n - i) * sizeof(float));
    }
}

#else
// Not x86-64: Flows runs its Swift loops.
int cfk_avx2_available(void) { return 0; }
void cfk_tanh_avx2(double *p, ptrdiff_t n) { __builtin_trap(); }
void cfk_tanhf_avx2(float *p, ptrdiff_t n) { __builtin_trap(); }
#endif
