// AVX-512 versions of Flows' kernels (GEMM.swift, FastMath.swift), chosen at
// run time by Flows' KernelPath when the CPU has AVX-512F/DQ. Each computes
// exactly the operations of its Swift counterpart, lane for lane and in the
// same order (every output one fused-multiply-add chain over the summed index
// in order; tanh the same formula, step for step), so the results are the
// same bits on either path: vectors run across independent outputs only.
#ifndef CFLOWKERNELS_H
#define CFLOWKERNELS_H

#include <stddef.h>

/// 1 when this CPU and OS run AVX-512F and AVX-512DQ, else 0.
int cfk_avx512_available(void);

/// Epilogues of cfk_gemm_avx512, as GEMM.Epilogue.
enum {
    CFK_EPI_NONE = 0,
    CFK_EPI_TANH = 1,
    CFK_EPI_RELU = 2,
    CFK_EPI_TANH_GRAD = 3,
    CFK_EPI_RELU_GRAD = 4,
};

/// C = epilogue(A·B (+ bias)) for C m×n (leading dimension ldc), or, with
/// accumulate = 1, C += A·B with each entry's chain starting from the stored C
/// (no bias, no epilogue). A(i, p) = a[i·aRowStride + p·aColStride]. B is read
/// in panels of 8 columns: panel j starts at b + j·panelStride, its row p is
/// the 8 doubles at + p·bRowStride (zero-padded past n, or all real columns).
/// g: the epilogue's G (m×n, leading dimension ldc) for the gradient epilogues.
void cfk_gemm_avx512(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                     const double *a, ptrdiff_t aRowStride, ptrdiff_t aColStride,
                     const double *b, ptrdiff_t panelStride, ptrdiff_t bRowStride,
                     const double *bias, double *c, ptrdiff_t ldc,
                     int epilogue, const double *g, int accumulate);

/// FastMath.tanh in place on n doubles.
void cfk_tanh_avx512(double *p, ptrdiff_t n);

/// FastMath.exp in place on n doubles.
void cfk_exp_avx512(double *p, ptrdiff_t n);

/// n rounds of 24 independent 8-wide fused multiply-adds (the AVX-512 peak
/// loop of flow-bench); returns a sum that keeps them alive.
double cfk_fma_chains_avx512(ptrdiff_t n, double x, double y);

/// cfk_gemm_avx512 in single precision: panels of 16 columns, 16-lane vectors.
void cfk_sgemm_avx512(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                      const float *a, ptrdiff_t aRowStride, ptrdiff_t aColStride,
                      const float *b, ptrdiff_t panelStride, ptrdiff_t bRowStride,
                      const float *bias, float *c, ptrdiff_t ldc,
                      int epilogue, const float *g, int accumulate);

/// tanh and exp in place on n floats: tanh by FastMath's float formula, exp
/// the double formula on the widened value, rounded once to float.
void cfk_tanhf_avx512(float *p, ptrdiff_t n);
void cfk_expf_avx512(float *p, ptrdiff_t n);

/// The single-precision peak loop: 24 independent 16-wide fused multiply-adds.
float cfk_fma_chains_f32_avx512(ptrdiff_t n, float x, float y);

/// 1 when this CPU runs AVX2 and FMA, else 0 (kernels_avx2.c).
int cfk_avx2_available(void);

/// FastMath.tanh and FastMath.tanhFloat in place on n values with AVX2 and
/// FMA: the portable path's tanh on x86-64 (the same bits as the Swift
/// formulas, several vectors' chains interleaved).
void cfk_tanh_avx2(double *p, ptrdiff_t n);
void cfk_tanhf_avx2(float *p, ptrdiff_t n);

/// Adam.update's loop on the first parameters with AVX2 (adam_avx2.c), 16 at
/// a time, omb1 = 1 - b1 and omb2 = 1 - b2: returns how many it updated (a
/// multiple of 16); the caller does the rest.
ptrdiff_t cfk_adam_avx2(double *p, double *m, double *v, const double *g, ptrdiff_t n, double scale,
                        double b1, double omb1, double b2, double omb2, double lr, double c1, double c2,
                        double eps);

#endif
