import CDistances

extension DistanceMetric {
    /// The code the C kernels use for this metric.
    var kernelCode: Int32 {
        switch self {
        case .cosine: return Int32(CD_METRIC_COSINE)
        case .dot: return Int32(CD_METRIC_DOT)
        case .l2Squared: return Int32(CD_METRIC_L2SQ)
        case .manhattan: return Int32(CD_METRIC_MANHATTAN)
        case .hamming: return Int32(CD_METRIC_HAMMING)
        }
    }
    /// Cosine vectors are L2-normalised on insert and query, so cosine distance is 1 - dot.
    var normalises: Bool { self == .cosine }
}

/// The distance function for one metric, resolved once to the best SIMD kernel of this CPU.
struct DistanceKernel {
    typealias Function = @convention(c) (UnsafePointer<Float>?, UnsafePointer<Float>?, Int) -> Float
    let metric: DistanceMetric
    let function: Function

    init(metric: DistanceMetric) {
        self.metric = metric
        function = cd_kernel(metric.kernelCode)!
    }

    @inline(__always) func callAsFunction(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        function(a, b, n)
    }

    /// Checks a vector and returns the copy the index stores (normalised for cosine).
    func prepare(_ vector: [Float], dimensions: Int) throws -> [Float] {
        if vector.isEmpty { throw VectorIndexError.invalidVector("vector is empty") }
        if dimensions != 0 && vector.count != dimensions {
            throw VectorIndexError.dimensionMismatch(expected: dimensions, got: vector.count)
        }
        if let bad = vector.firstIndex(where: { !$0.isFinite }) {
            throw VectorIndexError.invalidVector("vector has a non-finite value \(vector[bad]) at position \(bad)")
        }
        return metric.normalises ? DistanceKernel.normalised(vector) : vector
    }

    /// The query copy a search uses; a query of the wrong length yields nil (no hits) rather than a crash.
    func prepareQuery(_ vector: [Float], dimensions: Int) -> [Float]? {
        guard !vector.isEmpty, vector.count == dimensions else { return nil }
        return metric.normalises ? DistanceKernel.normalised(vector) : vector
    }

    static func normalised(_ v: [Float]) -> [Float] {
        let norm = v.withUnsafeBufferPointer { cd_dot($0.baseAddress, $0.baseAddress, $0.count) }.squareRoot()
        if norm == 0 { return v }  // a zero vector has no direction; keep it (distance 1 to everything)
        let inv = 1 / norm
        return v.map { $0 * inv }
    }
}

extension DistanceMetric {
    /// The distance between two vectors as an index of this metric measures it (cosine on the normalised
    /// vectors); nil when their lengths differ or they are empty.
    public func distance(_ a: [Float], _ b: [Float]) -> Float? {
        guard a.count == b.count, !a.isEmpty else { return nil }
        let kernel = DistanceKernel(metric: self)
        let x = normalises ? DistanceKernel.normalised(a) : a
        let y = normalises ? DistanceKernel.normalised(b) : b
        return x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in kernel(xp.baseAddress!, yp.baseAddress!, x.count) } }
    }
}
