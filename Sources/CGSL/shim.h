// The GSL headers repro uses. GSL's stepper and solver types are C globals
// (`gsl_odeiv2_step_rk8pd`, ...), which Swift 6 strict concurrency rejects as
// shared mutable state; the accessors below return them by value instead.
#ifndef REPRO_CGSL_SHIM_H
#define REPRO_CGSL_SHIM_H

#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_odeiv2.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sf_erf.h>
#include <gsl/gsl_multiroots.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_version.h>

static inline const gsl_odeiv2_step_type *repro_step_rk2(void) { return gsl_odeiv2_step_rk2; }
static inline const gsl_odeiv2_step_type *repro_step_rk4(void) { return gsl_odeiv2_step_rk4; }
static inline const gsl_odeiv2_step_type *repro_step_rkf45(void) { return gsl_odeiv2_step_rkf45; }
static inline const gsl_odeiv2_step_type *repro_step_rkck(void) { return gsl_odeiv2_step_rkck; }
static inline const gsl_odeiv2_step_type *repro_step_rk8pd(void) { return gsl_odeiv2_step_rk8pd; }
static inline const gsl_odeiv2_step_type *repro_step_msbdf(void) { return gsl_odeiv2_step_msbdf; }
static inline const gsl_odeiv2_step_type *repro_step_bsimp(void) { return gsl_odeiv2_step_bsimp; }
static inline const gsl_odeiv2_step_type *repro_step_rk4imp(void) { return gsl_odeiv2_step_rk4imp; }

static inline const gsl_multiroot_fdfsolver_type *repro_multiroot_hybridsj(void) { return gsl_multiroot_fdfsolver_hybridsj; }
static inline const gsl_multiroot_fdfsolver_type *repro_multiroot_newton(void) { return gsl_multiroot_fdfsolver_newton; }
static inline const gsl_multiroot_fsolver_type *repro_multiroot_hybrids(void) { return gsl_multiroot_fsolver_hybrids; }

static inline const gsl_integration_fixed_type *repro_fixed_hermite(void) { return gsl_integration_fixed_hermite; }

// The version of the GSL library linked at run time (not the headers').
static inline const char *repro_gsl_version(void) { return gsl_version; }

#endif
