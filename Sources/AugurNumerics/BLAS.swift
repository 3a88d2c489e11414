import AugurCore
import CLAPACKE

/// The one place Augur calls OpenBLAS/LAPACKE. Matrices are column-major, as LAPACK expects.
package enum BLAS {
    /// C = alpha·op(A)·op(B) + beta·C, column-major; `a` is m×k (k×m when transposed), `b` k×n, `c` m×n.
    package static func gemm(
        _ a: [Double], _ b: [Double], _ c: inout [Double], m: Int, n: Int, k: Int,
        transA: Bool = false, transB: Bool = false, alpha: Double = 1, beta: Double = 0
    ) {
        precondition(a.count >= m * k && b.count >= k * n && c.count >= m * n, "gemm: shape mismatch")
        cblas_dgemm(CblasColMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(transA ? k : m), b, Int32(transB ? n : k), beta, &c, Int32(m))
    }

    /// Least squares: the x minimising ‖A·x − y‖₂ for a full-rank m×n column-major A (m ≥ n), by QR (`dgels`).
    package static func leastSquares(_ a: [Double], rows m: Int, cols n: Int, _ y: [Double]) throws(ForecastError) -> [Double] {
        precondition(a.count == m * n && y.count == m && m >= n, "leastSquares: shape mismatch")
        var a = a, b = y
        let info = LAPACKE_dgels(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "N")), Int32(m), Int32(n), 1, &a, Int32(m), &b, Int32(m))
        guard info == 0 else { throw ForecastError(.numerical, "dgels failed (info \(info)): the design matrix is rank-deficient") }
        return Array(b.prefix(n))
    }

    /// Solves A·X = B for a symmetric positive-definite n×n A and n×columns B by Cholesky (`dposv`).
    package static func solveSymmetricPositive(_ a: [Double], n: Int, _ b: [Double], columns: Int) throws(ForecastError) -> [Double] {
        precondition(a.count == n * n && b.count == n * columns, "solveSymmetricPositive: shape mismatch")
        var a = a, b = b
        let info = LAPACKE_dposv(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "U")), Int32(n), Int32(columns), &a, Int32(n), &b, Int32(n))
        guard info == 0 else { throw ForecastError(.numerical, "dposv failed (info \(info)): the matrix is not positive definite") }
        return b
    }

    /// Row-major single-precision C = alpha·op(A)·op(B) + beta·C on raw buffers (the LSTM's products, which
    /// address slices of its workspaces): op(A) is m×k, op(B) k×n, C m×n.
    package static func sgemm(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>, m: Int, n: Int, k: Int,
        transA: Bool = false, transB: Bool = false, alpha: Float = 1, beta: Float = 0
    ) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(transA ? m : k), b, Int32(transB ? k : n), beta, c, Int32(n))
    }

    /// Row-major single-precision y = Aᵀ·x + y for an m×n A: column sums weighted by x.
    package static func sgemvTransposedAdd(_ a: UnsafePointer<Float>, rows m: Int, cols n: Int, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        cblas_sgemv(CblasRowMajor, CblasTrans, Int32(m), Int32(n), 1, a, Int32(n), x, 1, 1, y, 1)
    }

    /// OpenBLAS's own thread count. Batch fits run one series per core, so BLAS threads would only
    /// oversubscribe the cores (and spin in sched_yield on the LSTM's small products).
    package static func setThreads(_ n: Int) {
        openblas_set_num_threads(Int32(n))
    }
}
