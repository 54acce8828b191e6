import Foundation

/// How a batch uses the cores: either split into `threads` groups of about equal cost run side by
/// side, each with a single-threaded BLAS (no synchronisation inside a layer), or run as one group
/// with a `threads`-wide BLAS. Measured on ViT-B/32 shapes (bench/clip, 2 cores): texts (short
/// sequences, many small attention products) are faster split; so are images since the packed fp32 and
/// int8 kernels replaced the BLAS for projections (16 images, loaded machine: int8 1.1x images/s, fp32
/// 0.95-1.2x), as every LayerNorm, residual add, activation quantisation and attention product runs on
/// its own core instead of between column-split joins, and a core taken by another process stalls only
/// its own half (the kernels give a row the same bits either way). `auto` splits images in whole
/// multiples of `threads` and gives the rest (fewer than `threads` images, e.g. a single one) all
/// threads by columns.
/// Runs are serialised process-wide because the BLAS thread count is global.
public struct ComputeSettings: Sendable {
    public enum Mode: String, Sendable {
        /// texts: split the batch when there are at least two; images: split whole multiples of
        /// `threads`, the remainder as one group with BLAS threads
        case auto
        /// always one group, BLAS with `threads` threads
        case blasThreads
        /// always split the batch, single-threaded BLAS
        case splitBatch
        /// one group; every projection's output columns split across `threads`, single-threaded BLAS
        case splitColumns
    }

    /// Worker threads (default: the number of active cores).
    public var threads: Int
    public var mode: Mode

    public init(threads: Int? = nil, mode: Mode = .auto) {
        self.threads = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        self.mode = mode
    }
}

enum ParallelRunner {
    private static let lock = NSLock()
    /// Whether the run in progress splits projections by columns (read by LayerWorkspace; only
    /// changed under `lock`, and a run's threads only start after it is set).
    nonisolated(unsafe) static var columnSplitActive = false

    /// What `auto` uses for the images it does not split by batch: column splitting.
    nonisolated(unsafe) static var autoColumns = false

    /// Runs `body` on groups of item indices and returns the outputs in item order.
    /// `costs[i]` estimates item i's work (tokens) for balancing.
    /// `splitByDefault` is what `auto` does for this workload. `body` gets the item indices of its group
    /// and how many threads it may use inside a layer (1 when the batch is split).
    static func run(costs: [Int], settings: ComputeSettings, splitByDefault: Bool,
                    body: ([Int], Int) throws -> [[Float]]) throws -> [[Float]] {
        let n = costs.count
        guard n > 0 else { return [] }
        lock.lock()
        defer { lock.unlock() }
        columnSplitActive = false
        let threads = settings.threads
        let all = Array(0..<n)
        switch settings.mode {
        case .blasThreads, .splitColumns:
            return try whole(all, settings: settings, splitByDefault: splitByDefault, body: body)
        case .splitBatch:
            return try split(balanced(costs, threads: threads), count: n, body: body)
                ?? whole(all, settings: settings, splitByDefault: splitByDefault, body: body)
        case .auto where splitByDefault:
            return try split(balanced(costs, threads: threads), count: n, body: body)
                ?? whole(all, settings: settings, splitByDefault: splitByDefault, body: body)
        case .auto:
            // Items of equal cost (images): `threads` equal groups of consecutive items, then what is left
            // over (fewer than `threads`) as one group whose projections use every thread.
            let even = threads > 1 ? n / threads * threads : 0
            guard even > 0 else { return try whole(all, settings: settings, splitByDefault: splitByDefault, body: body) }
            let per = even / threads
            let groups = (0..<threads).map { g in Array((g * per)..<((g + 1) * per)) }
            var out = try split(groups, count: n, body: body)!
            if even < n {
                let rest = Array(even..<n)
                for (i, v) in zip(rest, try whole(rest, settings: settings, splitByDefault: splitByDefault, body: body)) {
                    out[i] = v
                }
            }
            return out
        }
    }

    /// One group of `items` with `settings.threads` threads inside each layer (BLAS threads or column blocks).
    private static func whole(_ items: [Int], settings: ComputeSettings, splitByDefault: Bool,
                              body: ([Int], Int) throws -> [[Float]]) throws -> [[Float]] {
        let columns = settings.mode == .splitColumns || (settings.mode == .auto && !splitByDefault && Self.autoColumns)
        columnSplitActive = columns && settings.threads > 1
        defer { columnSplitActive = false }
        BLASThreads.set(columns ? 1 : settings.threads)
        return try body(items, settings.threads)
    }

    /// Longest first onto the least loaded of `threads` groups; each group keeps its items in a stable order.
    private static func balanced(_ costs: [Int], threads: Int) -> [[Int]] {
        let count = min(threads, costs.count)
        var groups = [[Int]](repeating: [], count: count)
        var load = [Int](repeating: 0, count: count)
        for i in (0..<costs.count).sorted(by: { costs[$0] > costs[$1] }) {
            let g = load.indices.min { load[$0] < load[$1] }!
            groups[g].append(i)
            load[g] += max(1, costs[i])
        }
        return groups
    }

    /// Runs the groups side by side, each single-threaded; outputs in item order (empty where no group had
    /// the item). nil when there are fewer than two groups (nothing to split).
    private static func split(_ groups: [[Int]], count n: Int, body: ([Int], Int) throws -> [[Float]]) throws -> [[Float]]? {
        guard groups.count >= 2 else { return nil }
        BLASThreads.set(1)
        let results = UnsafeMutableBufferPointer<Result<[[Float]], Error>?>.allocate(capacity: groups.count)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        concurrentForEach(groups.count) { g in
            results[g] = Result { try body(groups[g], 1) }
        }
        var out = [[Float]](repeating: [], count: n)
        for g in 0..<groups.count {
            let vectors = try results[g]!.get()
            for (i, v) in zip(groups[g], vectors) { out[i] = v }
        }
        return out
    }
}
