import Foundation

/// How a batch uses the cores: either split into `threads` groups of about equal cost run side by
/// side, each with a single-threaded BLAS (no synchronisation inside a layer), or run as one group
/// with a `threads`-wide BLAS. Measured on ViT-B/32 shapes (bench/clip, 2 cores): texts (short
/// sequences, many small attention products) are faster split; images (50-token sequences, large
/// GEMMs whose packed weights the BLAS threads share) are faster with BLAS threads. `auto` does that.
/// Runs are serialised process-wide because the BLAS thread count is global.
public struct ComputeSettings: Sendable {
    public enum Mode: String, Sendable {
        /// texts: split the batch when there are at least two; images: BLAS threads
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

    /// Runs `body` on groups of item indices and returns the outputs in item order.
    /// `costs[i]` estimates item i's work (tokens) for balancing.
    /// `splitByDefault` is what `auto` does for this workload. `body` gets the item indices of its group
    /// and how many threads it may use inside a layer (1 when the batch is split).
    /// What `auto` uses for workloads that are not split by batch (images): column splitting.
    nonisolated(unsafe) static var autoColumns = false

    static func run(costs: [Int], settings: ComputeSettings, splitByDefault: Bool,
                    body: ([Int], Int) throws -> [[Float]]) throws -> [[Float]] {
        let n = costs.count
        guard n > 0 else { return [] }
        lock.lock()
        defer { lock.unlock() }
        let wantSplit: Bool
        switch settings.mode {
        case .auto: wantSplit = splitByDefault
        case .splitBatch: wantSplit = true
        case .blasThreads, .splitColumns: wantSplit = false
        }
        columnSplitActive = false
        let split = settings.threads > 1 && n >= 2 && wantSplit
        if !split {
            let columns = settings.mode == .splitColumns || (settings.mode == .auto && !splitByDefault && Self.autoColumns)
            columnSplitActive = columns && settings.threads > 1
            defer { columnSplitActive = false }
            BLASThreads.set(columns ? 1 : settings.threads)
            return try body(Array(0..<n), settings.threads)
        }
        BLASThreads.set(1)
        // Longest first onto the least loaded group; each group keeps its items in a stable order.
        let groupsCount = min(settings.threads, n)
        var groups = [[Int]](repeating: [], count: groupsCount)
        var load = [Int](repeating: 0, count: groupsCount)
        for i in (0..<n).sorted(by: { costs[$0] > costs[$1] }) {
            let g = load.indices.min { load[$0] < load[$1] }!
            groups[g].append(i)
            load[g] += max(1, costs[i])
        }
        let results = UnsafeMutableBufferPointer<Result<[[Float]], Error>?>.allocate(capacity: groupsCount)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        concurrentForEach(groupsCount) { g in
            results[g] = Result { try body(groups[g], 1) }
        }
        var out = [[Float]](repeating: [], count: n)
        for g in 0..<groupsCount {
            let vectors = try results[g]!.get()
            for (i, v) in zip(groups[g], vectors) { out[i] = v }
        }
        return out
    }
}
