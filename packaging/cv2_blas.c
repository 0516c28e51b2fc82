/* The BLAS/LAPACK functions cv2 imports, served by numpy's OpenBLAS instead of the one the OpenCV wheel vendors
 * (39 MB with its gfortran). The two differ only in the integer width and symbol names: OpenCV's is LP64 (32-bit
 * int), numpy's scipy-openblas is ILP64 (64-bit int) with its symbols renamed scipy_<name>64_. So each function
 * here widens the integers, calls numpy's routine and narrows the integers it wrote back (info, pivots).
 * packaging/shared_libs.py builds this file into the bundle and checks that it defines every symbol cv2 takes
 * from OpenCV's OpenBLAS; tests/core/test_cv2_blas.py compares cv2's results through it with the stock wheel's. */

#include <stdint.h>
#include <stdlib.h>

typedef int64_t bi; /* numpy's blasint */

/* ---- CBLAS gemm: enums and sizes by value ---- */
void scipy_cblas_sgemm64_(int, int, int, bi, bi, bi, float, const float *, bi, const float *, bi, float, float *,
                          bi);
void scipy_cblas_dgemm64_(int, int, int, bi, bi, bi, double, const double *, bi, const double *, bi, double,
                          double *, bi);
void scipy_cblas_cgemm64_(int, int, int, bi, bi, bi, const void *, const void *, bi, const void *, bi, const void *,
                          void *, bi);
void scipy_cblas_zgemm64_(int, int, int, bi, bi, bi, const void *, const void *, bi, const void *, bi, const void *,
                          void *, bi);

void cblas_sgemm(int o, int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda, const float *b,
                 int ldb, float beta, float *c, int ldc) {
    scipy_cblas_sgemm64_(o, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void cblas_dgemm(int o, int ta, int tb, int m, int n, int k, double alpha, const double *a, int lda,
                 const double *b, int ldb, double beta, double *c, int ldc) {
    scipy_cblas_dgemm64_(o, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void cblas_cgemm(int o, int ta, int tb, int m, int n, int k, const void *alpha, const void *a, int lda,
                 const void *b, int ldb, const void *beta, void *c, int ldc) {
    scipy_cblas_cgemm64_(o, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void cblas_zgemm(int o, int ta, int tb, int m, int n, int k, const void *alpha, const void *a, int lda,
                 const void *b, int ldb, const void *beta, void *c, int ldc) {
    scipy_cblas_zgemm64_(o, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

/* ---- LAPACK (Fortran calling convention: everything by pointer; CHARACTER*1 arguments get a hidden length) ---- */
#define W(x) bi x##_ = *(x)            /* widen an int argument */
#define PIVOTS(p, count)                                                                                          \
    bi *p##_ = malloc(sizeof(bi) * (size_t)((count) > 0 ? (count) : 1));                                        \
    if (!p##_) { *info = -1000; return; }
#define NARROW(p, count)                                                                                          \
    for (bi i_ = 0; i_ < (count); i_++) p[i_] = (int)p##_[i_];                                                  \
    free(p##_)

#define GESV(T, name, target)                                                                                     \
    void target(const bi *, const bi *, T *, const bi *, bi *, T *, const bi *, bi *);                          \
    void name(const int *n, const int *nrhs, T *a, const int *lda, int *ipiv, T *b, const int *ldb, int *info) { \
        W(n); W(nrhs); W(lda); W(ldb); bi info_ = 0;                                                            \
        PIVOTS(ipiv, n_);                                                                                        \
        target(&n_, &nrhs_, a, &lda_, ipiv_, b, &ldb_, &info_);                                                 \
        NARROW(ipiv, n_); *info = (int)info_;                                                                   \
    }
GESV(float, sgesv_, scipy_sgesv_64_)
GESV(double, dgesv_, scipy_dgesv_64_)

#define GETRF(T, name, target)                                                                                    \
    void target(const bi *, const bi *, T *, const bi *, bi *, bi *);                                           \
    void name(const int *m, const int *n, T *a, const int *lda, int *ipiv, int *info) {                         \
        W(m); W(n); W(lda); bi info_ = 0;                                                                       \
        bi k_ = m_ < n_ ? m_ : n_;                                                                              \
        PIVOTS(ipiv, k_);                                                                                        \
        target(&m_, &n_, a, &lda_, ipiv_, &info_);                                                              \
        NARROW(ipiv, k_); *info = (int)info_;                                                                   \
    }
GETRF(float, sgetrf_, scipy_sgetrf_64_)
GETRF(double, dgetrf_, scipy_dgetrf_64_)

#define POTRF(T, name, target)                                                                                    \
    void target(const char *, const bi *, T *, const bi *, bi *, size_t);                                       \
    void name(const char *uplo, const int *n, T *a, const int *lda, int *info) {                                \
        W(n); W(lda); bi info_ = 0;                                                                             \
        target(uplo, &n_, a, &lda_, &info_, 1);                                                                 \
        *info = (int)info_;                                                                                     \
    }
POTRF(float, spotrf_, scipy_spotrf_64_)
POTRF(double, dpotrf_, scipy_dpotrf_64_)

#define POSV(T, name, target)                                                                                     \
    void target(const char *, const bi *, const bi *, T *, const bi *, T *, const bi *, bi *, size_t);          \
    void name(const char *uplo, const int *n, const int *nrhs, T *a, const int *lda, T *b, const int *ldb,     \
              int *info) {                                                                                      \
        W(n); W(nrhs); W(lda); W(ldb); bi info_ = 0;                                                            \
        target(uplo, &n_, &nrhs_, a, &lda_, b, &ldb_, &info_, 1);                                               \
        *info = (int)info_;                                                                                     \
    }
POSV(float, sposv_, scipy_sposv_64_)
POSV(double, dposv_, scipy_dposv_64_)

#define GEQRF(T, name, target)                                                                                    \
    void target(const bi *, const bi *, T *, const bi *, T *, T *, const bi *, bi *);                           \
    void name(const int *m, const int *n, T *a, const int *lda, T *tau, T *work, const int *lwork, int *info) { \
        W(m); W(n); W(lda); W(lwork); bi info_ = 0;                                                             \
        target(&m_, &n_, a, &lda_, tau, work, &lwork_, &info_);                                                 \
        *info = (int)info_;                                                                                     \
    }
GEQRF(float, sgeqrf_, scipy_sgeqrf_64_)
GEQRF(double, dgeqrf_, scipy_dgeqrf_64_)

#define GELS(T, name, target)                                                                                     \
    void target(const char *, const bi *, const bi *, const bi *, T *, const bi *, T *, const bi *, T *,        \
                const bi *, bi *, size_t);                                                                      \
    void name(const char *trans, const int *m, const int *n, const int *nrhs, T *a, const int *lda, T *b,      \
              const int *ldb, T *work, const int *lwork, int *info) {                                           \
        W(m); W(n); W(nrhs); W(lda); W(ldb); W(lwork); bi info_ = 0;                                            \
        target(trans, &m_, &n_, &nrhs_, a, &lda_, b, &ldb_, work, &lwork_, &info_, 1);                          \
        *info = (int)info_;                                                                                     \
    }
GELS(float, sgels_, scipy_sgels_64_)
GELS(double, dgels_, scipy_dgels_64_)

/* iwork is workspace only (8 * min(m, n) integers): numpy's routine gets its own of the wider type */
#define GESDD(T, name, target)                                                                                    \
    void target(const char *, const bi *, const bi *, T *, const bi *, T *, T *, const bi *, T *, const bi *,    \
                T *, const bi *, bi *, bi *, size_t);                                                           \
    void name(const char *jobz, const int *m, const int *n, T *a, const int *lda, T *s, T *u, const int *ldu,  \
              T *vt, const int *ldvt, T *work, const int *lwork, int *iwork, int *info) {                       \
        W(m); W(n); W(lda); W(ldu); W(ldvt); W(lwork); bi info_ = 0;                                            \
        (void)iwork;                                                                                            \
        bi k_ = 8 * (m_ < n_ ? m_ : n_);                                                                        \
        PIVOTS(iwork, k_);                                                                                       \
        target(jobz, &m_, &n_, a, &lda_, s, u, &ldu_, vt, &ldvt_, work, &lwork_, iwork_, &info_, 1);           \
        free(iwork_); *info = (int)info_;                                                                       \
    }
GESDD(float, sgesdd_, scipy_sgesdd_64_)
GESDD(double, dgesdd_, scipy_dgesdd_64_)

void scipy_dgeev_64_(const char *, const char *, const bi *, double *, const bi *, double *, double *, double *,
                     const bi *, double *, const bi *, double *, const bi *, bi *, size_t, size_t);
void dgeev_(const char *jobvl, const char *jobvr, const int *n, double *a, const int *lda, double *wr, double *wi,
            double *vl, const int *ldvl, double *vr, const int *ldvr, double *work, const int *lwork, int *info) {
    W(n); W(lda); W(ldvl); W(ldvr); W(lwork); bi info_ = 0;
    scipy_dgeev_64_(jobvl, jobvr, &n_, a, &lda_, wr, wi, vl, &ldvl_, vr, &ldvr_, work, &lwork_, &info_, 1, 1);
    *info = (int)info_;
}
