// The AVX-512 kernels (see CFlowKernels.h). Only the functions marked
// AVX512 are compiled for AVX-512; the file is built with -ffp-contract=off
// so that the compiler fuses nothing the Swift code does not fuse: every
// fused multiply-add here is an explicit _mm512_fmadd_pd.
#include "CFlowKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f,avx512dq,fma")))
#define INLINE static inline __attribute__((always_inline))

int cfk_avx512_available(void) {
    __builtin_cpu_init();
    // The runtime's avx512f bit includes the OS's saving of the zmm state (XCR0).
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") ? 1 : 0;
}

enum { MR = 8 };  // rows of a tile; columns: one or two panels of 8

INLINE AVX512 __mmask8 columnMask(ptrdiff_t cols) {
    return cols >= 8 ? (__mmask8)0xff : (__mmask8)((1u << cols) - 1);
}

// FastMath.tanh, lane for lane: a = |x| (0 when > 22), 2a = k·ln2 + r, the
// [6/6] Padé quotient with one division, sign restored.
INLINE AVX512 __m512d tanh8(__m512d x) {
    const __m512d zero = _mm512_setzero_pd();
    const __m512d a0 = _mm512_abs_pd(x);
    const __mmask8 big = _mm512_cmp_pd_mask(a0, _mm512_set1_pd(22.0), _CMP_GT_OQ);
    const __m512d a = _mm512_mask_blend_pd(big, a0, zero);
    const __m512d xx = _mm512_add_pd(a, a);
    const __m512d magic = _mm512_set1_pd(0x1.8p52);
    const __m512d t = _mm512_add_pd(_mm512_mul_pd(xx, _mm512_set1_pd(1.4426950408889634)), magic);
    const __m512d kk = _mm512_sub_pd(t, magic);
    __m512d r = _mm512_fnmadd_pd(kk, _mm512_set1_pd(6.93147180369123816490e-01), xx);
    r = _mm512_fnmadd_pd(kk, _mm512_set1_pd(1.90821492927058770002e-10), r);
    const __m512i bits = _mm512_sub_epi64(_mm512_castpd_si512(t), _mm512_castpd_si512(magic));
    const __m512d s = _mm512_castsi512_pd(_mm512_slli_epi64(_mm512_add_epi64(bits, _mm512_set1_epi64(1023)), 52));
    const __m512d r2 = _mm512_mul_pd(r, r);
    __m512d q = _mm512_fmadd_pd(r2, _mm512_set1_pd(1.0 / 665280), _mm512_set1_pd(1.0 / 792));
    q = _mm512_fmadd_pd(r2, q, _mm512_set1_pd(5.0 / 44));
    q = _mm512_fmadd_pd(r2, q, _mm512_set1_pd(1.0));
    __m512d sp = _mm512_fmadd_pd(r2, _mm512_set1_pd(1.0 / 15840), _mm512_set1_pd(1.0 / 66));
    sp = _mm512_fmadd_pd(r2, sp, _mm512_set1_pd(0.5));
    const __m512d rs = _mm512_mul_pd(r, sp);
    const __m512d one = _mm512_set1_pd(1.0);
    const __m512d sm1 = _mm512_sub_pd(s, one), sp1 = _mm512_add_pd(s, one);
    const __m512d num = _mm512_fmadd_pd(sp1, rs, _mm512_mul_pd(sm1, q));
    const __m512d den = _mm512_fmadd_pd(sm1, rs, _mm512_mul_pd(sp1, q));
    const __m512d th = _mm512_mask_blend_pd(big, _mm512_div_pd(num, den), one);
    const __mmask8 neg = _mm512_cmp_pd_mask(x, zero, _CMP_LT_OQ);
    return _mm512_mask_xor_pd(th, neg, th, _mm512_set1_pd(-0.0));
}

// FastMath.exp, lane for lane: 2^k (Q + rS)/(Q - rS).
INLINE AVX512 __m512d exp8(__m512d x) {
    const __m512d magic = _mm512_set1_pd(0x1.8p52);
    const __m512d t = _mm512_add_pd(_mm512_mul_pd(x, _mm512_set1_pd(1.4426950408889634)), magic);
    const __m512d kk = _mm512_sub_pd(t, magic);
    __m512d r = _mm512_fnmadd_pd(kk, _mm512_set1_pd(6.93147180369123816490e-01), x);
    r = _mm512_fnmadd_pd(kk, _mm512_set1_pd(1.90821492927058770002e-10), r);
    const __m512i bits = _mm512_sub_epi64(_mm512_castpd_si512(t), _mm512_castpd_si512(magic));
    const __m512d s = _mm512_castsi512_pd(_mm512_slli_epi64(_mm512_add_epi64(bits, _mm512_set1_epi64(1023)), 52));
    const __m512d r2 = _mm512_mul_pd(r, r);
    __m512d q = _mm512_fmadd_pd(r2, _mm512_set1_pd(1.0 / 665280), _mm512_set1_pd(1.0 / 792));
    q = _mm512_fmadd_pd(r2, q, _mm512_set1_pd(5.0 / 44));
    q = _mm512_fmadd_pd(r2, q, _mm512_set1_pd(1.0));
    __m512d sp = _mm512_fmadd_pd(r2, _mm512_set1_pd(1.0 / 15840), _mm512_set1_pd(1.0 / 66));
    sp = _mm512_fmadd_pd(r2, sp, _mm512_set1_pd(0.5));
    const __m512d rs = _mm512_mul_pd(r, sp);
    return _mm512_div_pd(_mm512_mul_pd(s, _mm512_add_pd(q, rs)), _mm512_sub_pd(q, rs));
}

AVX512 void cfk_tanh_avx512(double *p, ptrdiff_t n) {
    ptrdiff_t i = 0;
    for (; i + 8 <= n; i += 8) _mm512_storeu_pd(p + i, tanh8(_mm512_loadu_pd(p + i)));
    if (i < n) {
        const __mmask8 m = columnMask(n - i);
        _mm512_mask_storeu_pd(p + i, m, tanh8(_mm512_maskz_loadu_pd(m, p + i)));
    }
}

AVX512 void cfk_exp_avx512(double *p, ptrdiff_t n) {
    ptrdiff_t i = 0;
    for (; i + 8 <= n; i += 8) _mm512_storeu_pd(p + i, exp8(_mm512_loadu_pd(p + i)));
    if (i < n) {
        const __mmask8 m = columnMask(n - i);
        _mm512_mask_storeu_pd(p + i, m, exp8(_mm512_maskz_loadu_pd(m, p + i)));
    }
}

// The epilogue of one 8-wide piece of a row (GEMM.store): v is A·B (+ bias),
// gp the matching 8 doubles of G.
INLINE AVX512 __m512d epilogue8(__m512d v, int epi, const double *gp, __mmask8 mask) {
    const __m512d zero = _mm512_setzero_pd();
    switch (epi) {
    case CFK_EPI_RELU:
        return _mm512_mask_blend_pd(_mm512_cmp_pd_mask(v, zero, _CMP_LT_OQ), v, zero);
    case CFK_EPI_TANH_GRAD: {
        const __m512d gv = _mm512_maskz_loadu_pd(mask, gp);
        return _mm512_mul_pd(v, _mm512_sub_pd(_mm512_set1_pd(1.0), _mm512_mul_pd(gv, gv)));
    }
    case CFK_EPI_RELU_GRAD: {
        const __m512d gv = _mm512_maskz_loadu_pd(mask, gp);
        return _mm512_mask_blend_pd(_mm512_cmp_pd_mask(gv, zero, _CMP_LE_OQ), v, zero);
    }
    default:
        return v;  // none; tanh is a pass over the finished rows
    }
}

// One tile of `rows` ≤ MR rows × NP panels: every accumulator starts at 0 or
// at the stored C, then fused-multiply-adds A(i, p)·B(p, j) for p = 0, 1,
// ..., k-1. Called with constant np and rows, so that each shape compiles to
// its own register tile (no work on rows past the edge).
INLINE AVX512 void tile(int np, int rows, ptrdiff_t k, const double *a, ptrdiff_t rs, ptrdiff_t cs,
                        const double *b0, const double *b1, ptrdiff_t bs, const double *bias0, const double *bias1,
                        double *c, ptrdiff_t ldc, ptrdiff_t cols0, ptrdiff_t cols1, int epi, const double *g,
                        int accumulate) {
    const __mmask8 m0 = columnMask(cols0), m1 = columnMask(cols1);
    const double *ar[MR];
    for (int r = 0; r < rows; r++) ar[r] = a + r * rs;
    __m512d acc0[MR], acc1[MR];
    for (int r = 0; r < rows; r++) {
        if (accumulate) {
            acc0[r] = _mm512_maskz_loadu_pd(m0, c + r * ldc);
            acc1[r] = np == 2 ? _mm512_maskz_loadu_pd(m1, c + r * ldc + 8) : _mm512_setzero_pd();
        } else {
            acc0[r] = _mm512_setzero_pd();
            acc1[r] = _mm512_setzero_pd();
        }
    }
    for (ptrdiff_t p = 0; p < k; p++) {
        const __m512d bv0 = _mm512_loadu_pd(b0 + p * bs);
        const __m512d bv1 = np == 2 ? _mm512_loadu_pd(b1 + p * bs) : _mm512_setzero_pd();
        const ptrdiff_t o = p * cs;
        for (int r = 0; r < rows; r++) {
            const __m512d av = _mm512_set1_pd(ar[r][o]);
            acc0[r] = _mm512_fmadd_pd(av, bv0, acc0[r]);
            if (np == 2) acc1[r] = _mm512_fmadd_pd(av, bv1, acc1[r]);
        }
    }
    if (bias0) {
        const __m512d v0 = _mm512_maskz_loadu_pd(m0, bias0);
        const __m512d v1 = np == 2 ? _mm512_maskz_loadu_pd(m1, bias1) : _mm512_setzero_pd();
        for (int r = 0; r < rows; r++) {
            acc0[r] = _mm512_add_pd(acc0[r], v0);
            if (np == 2) acc1[r] = _mm512_add_pd(acc1[r], v1);
        }
    }
    for (int r = 0; r < rows; r++) {
        double *cr = c + r * ldc;
        const double *gr = g ? g + r * ldc : 0;
        _mm512_mask_storeu_pd(cr, m0, epilogue8(acc0[r], epi, gr, m0));
        if (np == 2) _mm512_mask_storeu_pd(cr + 8, m1, epilogue8(acc1[r], epi, gr ? gr + 8 : 0, m1));
    }
}

// T(R) for R = rows, as a constant.
#define BY_ROWS(T)                   \
    switch (rows) {                  \
    case 1: T(1); break;             \
    case 2: T(2); break;             \
    case 3: T(3); break;             \
    case 4: T(4); break;             \
    case 5: T(5); break;             \
    case 6: T(6); break;             \
    case 7: T(7); break;             \
    default: T(8); break;            \
    }

AVX512 void cfk_gemm_avx512(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                            const double *a, ptrdiff_t aRowStride, ptrdiff_t aColStride,
                            const double *b, ptrdiff_t panelStride, ptrdiff_t bRowStride,
                            const double *bias, double *c, ptrdiff_t ldc,
                            int epilogue, const double *g, int accumulate) {
    if (m <= 0 || n <= 0) return;
    const ptrdiff_t panels = (n + 7) / 8;
    for (ptrdiff_t i0 = 0; i0 < m; i0 += MR) {
        const ptrdiff_t rows = m - i0 < MR ? m - i0 : MR;
        const double *ab = a + i0 * aRowStride;
        double *cb = c + i0 * ldc;
        const double *gb = g ? g + i0 * ldc : 0;
        ptrdiff_t jb = 0;
        for (; jb + 2 <= panels; jb += 2) {
            const ptrdiff_t j0 = jb * 8, cols1 = n - j0 - 8 < 8 ? n - j0 - 8 : 8;
#define TILE2(R) tile(2, R, k, ab, aRowStride, aColStride, b + jb * panelStride, b + (jb + 1) * panelStride, \
                      bRowStride, bias ? bias + j0 : 0, bias ? bias + j0 + 8 : 0, cb + j0, ldc, 8, cols1, epilogue, \
                      gb ? gb + j0 : 0, accumulate)
            BY_ROWS(TILE2);
        }
        if (jb < panels) {
            const ptrdiff_t j0 = jb * 8, cols0 = n - j0 < 8 ? n - j0 : 8;
#define TILE1(R) tile(1, R, k, ab, aRowStride, aColStride, b + jb * panelStride, 0, bRowStride, \
                      bias ? bias + j0 : 0, 0, cb + j0, ldc, cols0, 0, epilogue, gb ? gb + j0 : 0, accumulate)
            BY_ROWS(TILE1);
        }
        if (epilogue == CFK_EPI_TANH) {
            // The block's rows are still in L1.
            for (ptrdiff_t r = 0; r < rows; r++) cfk_tanh_avx512(cb + r * ldc, n);
        }
    }
}

// ---------------------------------------------------------------- single precision
// The float kernels: the same tiles and chains with 16 lanes. tanh is FastMath's
// float formula (FlowScalar.swift), step for step; exp of a float is the double
// formula above on the value widened to double, rounded once to float.

INLINE AVX512 __mmask16 columnMask16(ptrdiff_t cols) {
    return cols >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << cols) - 1);
}

// Float tanh: a = |x| (0 when > 9.5, where tanh rounds to 1), 2a = k·ln2 + r,
// e^r by the [3/3] Padé quotient, one division, sign restored.
INLINE AVX512 __m512 tanh16(__m512 x) {
    const __m512 zero = _mm512_setzero_ps(), one = _mm512_set1_ps(1.0f);
    const __m512 a0 = _mm512_abs_ps(x);
    const __mmask16 big = _mm512_cmp_ps_mask(a0, _mm512_set1_ps(9.5f), _CMP_GT_OQ);
    const __m512 a = _mm512_mask_blend_ps(big, a0, zero);
    const __m512 xx = _mm512_add_ps(a, a);
    const __m512 magic = _mm512_set1_ps(0x1.8p23f);
    const __m512 t = _mm512_add_ps(_mm512_mul_ps(xx, _mm512_set1_ps(1.44269504f)), magic);
    const __m512 kk = _mm512_sub_ps(t, magic);
    __m512 r = _mm512_fnmadd_ps(kk, _mm512_set1_ps(0.693359375f), xx);
    r = _mm512_fnmadd_ps(kk, _mm512_set1_ps(-2.12194440e-4f), r);
    const __m512i bits = _mm512_sub_epi32(_mm512_castps_si512(t), _mm512_castps_si512(magic));
    const __m512 s = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(bits, _mm512_set1_epi32(127)), 23));
    const __m512 r2 = _mm512_mul_ps(r, r);
    const __m512 q = _mm512_fmadd_ps(r2, _mm512_set1_ps(0.1f), one);
    const __m512 sp = _mm512_fmadd_ps(r2, _mm512_set1_ps(1.0f / 120.0f), _mm512_set1_ps(0.5f));
    const __m512 rs = _mm512_mul_ps(r, sp);
    const __m512 sm1 = _mm512_sub_ps(s, one), sp1 = _mm512_add_ps(s, one);
    const __m512 num = _mm512_fmadd_ps(sp1, rs, _mm512_mul_ps(sm1, q));
    const __m512 den = _mm512_fmadd_ps(sm1, rs, _mm512_mul_ps(sp1, q));
    const __m512 th = _mm512_mask_blend_ps(big, _mm512_div_ps(num, den), one);
    const __mmask16 neg = _mm512_cmp_ps_mask(x, zero, _CMP_LT_OQ);
    return _mm512_mask_xor_ps(th, neg, th, _mm512_set1_ps(-0.0f));
}

INLINE AVX512 __m512 widened16(__m512 x, __m512d (*f)(__m512d)) {
    const __m256 lo = _mm512_castps512_ps256(x), hi = _mm512_extractf32x8_ps(x, 1);
    const __m256 flo = _mm512_cvtpd_ps(f(_mm512_cvtps_pd(lo))), fhi = _mm512_cvtpd_ps(f(_mm512_cvtps_pd(hi)));
    return _mm512_insertf32x8(_mm512_castps256_ps512(flo), fhi, 1);
}

AVX512 void cfk_tanhf_avx512(float *p, ptrdiff_t n) {
    ptrdiff_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(p + i, tanh16(_mm512_loadu_ps(p + i)));
    if (i < n) {
        const __mmask16 m = columnMask16(n - i);
        _mm512_mask_storeu_ps(p + i, m, tanh16(_mm512_maskz_loadu_ps(m, p + i)));
    }
}

AVX512 void cfk_expf_avx512(float *p, ptrdiff_t n) {
    ptrdiff_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(p + i, widened16(_mm512_loadu_ps(p + i), exp8));
    if (i < n) {
        const __mmask16 m = columnMask16(n - i);
        _mm512_mask_storeu_ps(p + i, m, widened16(_mm512_maskz_loadu_ps(m, p + i), exp8));
    }
}

INLINE AVX512 __m512 epilogue16(__m512 v, int epi, const float *gp, __mmask16 mask) {
    const __m512 zero = _mm512_setzero_ps();
    switch (epi) {
    case CFK_EPI_RELU:
        return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, zero, _CMP_LT_OQ), v, zero);
    case CFK_EPI_TANH_GRAD: {
        const __m512 gv = _mm512_maskz_loadu_ps(mask, gp);
        return _mm512_mul_ps(v, _mm512_sub_ps(_mm512_set1_ps(1.0f), _mm512_mul_ps(gv, gv)));
    }
    case CFK_EPI_RELU_GRAD: {
        const __m512 gv = _mm512_maskz_loadu_ps(mask, gp);
        return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(gv, zero, _CMP_LE_OQ), v, zero);
    }
    default:
        return v;
    }
}

// `tile` in single precision: panels of 16 columns.
INLINE AVX512 void tilef(int np, int rows, ptrdiff_t k, const float *a, ptrdiff_t rs, ptrdiff_t cs,
                         const float *b0, const float *b1, ptrdiff_t bs, const float *bias0, const float *bias1,
                         float *c, ptrdiff_t ldc, ptrdiff_t cols0, ptrdiff_t cols1, int epi, const float *g,
                         int accumulate) {
    const __mmask16 m0 = columnMask16(cols0), m1 = columnMask16(cols1);
    const float *ar[MR];
    for (int r = 0; r < rows; r++) ar[r] = a + r * rs;
    __m512 acc0[MR], acc1[MR];
    for (int r = 0; r < rows; r++) {
        if (accumulate) {
            acc0[r] = _mm512_maskz_loadu_ps(m0, c + r * ldc);
            acc1[r] = np == 2 ? _mm512_maskz_loadu_ps(m1, c + r * ldc + 16) : _mm512_setzero_ps();
        } else {
            acc0[r] = _mm512_setzero_ps();
            acc1[r] = _mm512_setzero_ps();
        }
    }
    for (ptrdiff_t p = 0; p < k; p++) {
        const __m512 bv0 = _mm512_loadu_ps(b0 + p * bs);
        const __m512 bv1 = np == 2 ? _mm512_loadu_ps(b1 + p * bs) : _mm512_setzero_ps();
        const ptrdiff_t o = p * cs;
        for (int r = 0; r < rows; r++) {
            const __m512 av = _mm512_set1_ps(ar[r][o]);
            acc0[r] = _mm512_fmadd_ps(av, bv0, acc0[r]);
            if (np == 2) acc1[r] = _mm512_fmadd_ps(av, bv1, acc1[r]);
        }
    }
    if (bias0) {
        const __m512 v0 = _mm512_maskz_loadu_ps(m0, bias0);
        const __m512 v1 = np == 2 ? _mm512_maskz_loadu_ps(m1, bias1) : _mm512_setzero_ps();
        for (int r = 0; r < rows; r++) {
            acc0[r] = _mm512_add_ps(acc0[r], v0);
            if (np == 2) acc1[r] = _mm512_add_ps(acc1[r], v1);
        }
    }
    for (int r = 0; r < rows; r++) {
        float *cr = c + r * ldc;
        const float *gr = g ? g + r * ldc : 0;
        _mm512_mask_storeu_ps(cr, m0, epilogue16(acc0[r], epi, gr, m0));
        if (np == 2) _mm512_mask_storeu_ps(cr + 16, m1, epilogue16(acc1[r], epi, gr ? gr + 16 : 0, m1));
    }
}

AVX512 void cfk_sgemm_avx512(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                             const float *a, ptrdiff_t aRowStride, ptrdiff_t aColStride,
                             const float *b, ptrdiff_t panelStride, ptrdiff_t bRowStride,
                             const float *bias, float *c, ptrdiff_t ldc,
                             int epilogue, const float *g, int accumulate) {
    if (m <= 0 || n <= 0) return;
    const ptrdiff_t panels = (n + 15) / 16;
    for (ptrdiff_t i0 = 0; i0 < m; i0 += MR) {
        const ptrdiff_t rows = m - i0 < MR ? m - i0 : MR;
        const float *ab = a + i0 * aRowStride;
        float *cb = c + i0 * ldc;
        const float *gb = g ? g + i0 * ldc : 0;
        ptrdiff_t jb = 0;
        for (; jb + 2 <= panels; jb += 2) {
            const ptrdiff_t j0 = jb * 16, cols1 = n - j0 - 16 < 16 ? n - j0 - 16 : 16;
#define TILEF2(R) tilef(2, R, k, ab, aRowStride, aColStride, b + jb * panelStride, b + (jb + 1) * panelStride, \
                        bRowStride, bias ? bias + j0 : 0, bias ? bias + j0 + 16 : 0, cb + j0, ldc, 16, cols1, \
                        epilogue, gb ? gb + j0 : 0, accumulate)
            BY_ROWS(TILEF2);
        }
        if (jb < panels) {
            const ptrdiff_t j0 = jb * 16, cols0 = n - j0 < 16 ? n - j0 : 16;
#define TILEF1(R) tilef(1, R, k, ab, aRowStride, aColStride, b + jb * panelStride, 0, bRowStride, \
                        bias ? bias + j0 : 0, 0, cb + j0, ldc, cols0, 0, epilogue, gb ? gb + j0 : 0, accumulate)
            BY_ROWS(TILEF1);
        }
        if (epilogue == CFK_EPI_TANH) {
            for (ptrdiff_t r = 0; r < rows; r++) cfk_tanhf_avx512(cb + r * ldc, n);
        }
    }
}

AVX512 float cfk_fma_chains_f32_avx512(ptrdiff_t n, float x, float y) {
    __m512 acc[24];
    const __m512 xv = _mm512_set1_ps(x), yv = _mm512_set1_ps(y);
    for (int i = 0; i < 24; i++) acc[i] = _mm512_add_ps(xv, _mm512_set1_ps((float)i));
    for (ptrdiff_t t = 0; t < n; t++) {
        for (int i = 0; i < 24; i++) acc[i] = _mm512_fmadd_ps(acc[i], xv, yv);
    }
    __m512 s = _mm512_setzero_ps();
    for (int i = 0; i < 24; i++) s = _mm512_add_ps(s, acc[i]);
    return _mm512_reduce_add_ps(s);
}

AVX512 double cfk_fma_chains_avx512(ptrdiff_t n, double x, double y) {
    __m512d acc[24];
    const __m512d xv = _mm512_set1_pd(x), yv = _mm512_set1_pd(y);
    for (int i = 0; i < 24; i++) acc[i] = _mm512_add_pd(xv, _mm512_set1_pd((double)i));
    for (ptrdiff_t t = 0; t < n; t++) {
        for (int i = 0; i < 24; i++) acc[i] = _mm512_fmadd_pd(acc[i], xv, yv);
    }
    __m512d s = _mm512_setzero_pd();
    for (int i = 0; i < 24; i++) s = _mm512_add_pd(s, acc[i]);
    return _mm512_reduce_add_pd(s);
}

#else
// Not x86-64: no AVX-512; Flows runs its portable Swift kernels.
int cfk_avx512_available(void) { return 0; }
void cfk_gemm_avx512(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const double *a, ptrdiff_t aRowStride,
                     ptrdiff_t aColStride, const double *b, ptrdiff_t panelStride, ptrdiff_t bRowStride,
                     const double *bias, double *c, ptrdiff_t ldc, int epilogue, const double *g, int accumulate) {
    __builtin_trap();
}
void cfk_tanh_avx512(double *p, ptrdiff_t n) { __builtin_trap(); }
void cfk_exp_avx512(double *p, ptrdiff_t n) { __builtin_trap(); }
double cfk_fma_chains_avx512(ptrdiff_t n, double x, double y) { __builtin_trap(); }
void cfk_sgemm_avx512(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t aRowStride,
                      ptrdiff_t aColStride, const float *b, ptrdiff_t panelStride, ptrdiff_t bRowStride,
                      const float *bias, float *c, ptrdiff_t ldc, int epilogue, const float *g, int accumulate) {
    __builtin_trap();
}
void cfk_tanhf_avx512(float *p, ptrdiff_t n) { __builtin_trap(); }
void cfk_expf_avx512(float *p, ptrdiff_t n) { __builtin_trap(); }
float cfk_fma_chains_f32_avx512(ptrdiff_t n, float x, float y) { __builtin_trap(); }
#endif
