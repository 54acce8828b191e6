import Foundation

/// Fixed-point filter weights for resampling one axis from `inSize` to `outSize` samples, as Pillow's
/// 8-bit path computes them: the kernel is widened by the downscale factor (antialiasing), each output's
/// weights are normalised to sum 1 in double precision, then turned into integers with 22 fractional bits
/// (rounded half away from zero).
struct ResampleCoefficients: Sendable {
    /// Fractional bits of the weights: 32 - 8 (pixel) - 2 (headroom for negative lobes), as in Pillow.
    static let precisionBits = 22

    /// Taps per output sample (the row length in `weights`).
    let taps: Int
    /// First input index used by output i.
    let start: [Int32]
    /// Number of input samples used by output i (<= taps).
    let count: [Int32]
    /// `outSize * taps` weights; output i's are at [i * taps, i * taps + count[i]).
    let weights: [Int32]

    init(inSize: Int, outSize: Int, filter: ResampleFilter) {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1.0)
        let support = filter.support * filterScale
        let taps = Int(support.rounded(.up)) * 2 + 1
        var start = [Int32](repeating: 0, count: outSize)
        var count = [Int32](repeating: 0, count: outSize)
        var weights = [Int32](repeating: 0, count: outSize * taps)
        var kernel = [Double](repeating: 0, count: taps)
        let inverseScale = 1.0 / filterScale
        let one = Double(1 << Self.precisionBits)
        for i in 0..<outSize {
            let center = (Double(i) + 0.5) * scale
            // C's (int) cast truncates toward zero; the negative case is clamped to 0 anyway.
            let first = max(0, Int((center - support + 0.5).rounded(.towardZero)))
            let end = min(inSize, Int((center + support + 0.5).rounded(.towardZero)))
            let n = max(0, end - first)
            var total = 0.0
            for t in 0..<n {
                let w = filter.weight((Double(t + first) - center + 0.5) * inverseScale)
                kernel[t] = w
                total += w
            }
            for t in 0..<n {
                var w = kernel[t]
                if total != 0 { w /= total }
                let fixed = w < 0 ? (-0.5 + w * one) : (0.5 + w * one)
                weights[i * taps + t] = Int32(fixed.rounded(.towardZero))
            }
            start[i] = Int32(first)
            count[i] = Int32(n)
        }
        self.taps = taps
        self.start = start
        self.count = count
        self.weights = weights
    }

    // MARK: A small shared cache: the same few sizes recur for every imported image.

    private struct Key: Hashable {
        let inSize: Int, outSize: Int, filter: ResampleFilter
    }
    private static let cacheLock = NSLock()
    // nonisolated(unsafe): touched only under `cacheLock`.
    nonisolated(unsafe) private static var cache: [Key: ResampleCoefficients] = [:]
    private static let cacheLimit = 256

    /// Coefficients for this size pair, computed once and then shared.
    static func cached(inSize: Int, outSize: Int, filter: ResampleFilter) -> ResampleCoefficients {
        let key = Key(inSize: inSize, outSize: outSize, filter: filter)
        cacheLock.lock()
        if let hit = cache[key] {
            cacheLock.unlock()
            return hit
        }
        cacheLock.unlock()
        let made = ResampleCoefficients(inSize: inSize, outSize: outSize, filter: filter)
        cacheLock.lock()
        if cache.count >= cacheLimit { cache.removeAll(keepingCapacity: true) }
        cache[key] = made
        cacheLock.unlock()
        return made
    }
}
