import Foundation

/// How a batch uses the cores. With several items, the batch is split into `threads` groups of about
/// equal cost run side by side, each with a single-threaded BLAS (no synchronisation inside a
/// layer); a single item runs alone with a `threads`-wide BLAS. Runs are serialised process-wide
/// because the BLAS thread count is global.
public struct ComputeSettings: Sendable {
    public enum Mode: String, Sendable {
        /// split batches across threads when there are at least two items, else a multi-threaded BLAS
        case auto
        /// always one group, BLAS with `threads` threads
        case blasThreads
        /// always split the batch, single-threaded BLAS
        case splitBatch
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

    /// Runs `body` on groups of item indices and returns the outputs in item order.
    /// `costs[i]` estimates item i's work (tokens) for balancing.
    static func run(costs: [Int], settings: ComputeSettings, body: ([Int]) throws -> [[Float]]) throws -> [[Float]] {
        let n = costs.count
        guard n > 0 else { return [] }
        lock.lock()
        defer { lock.unlock() }
        let split = settings.threads > 1 && n >= 2 && settings.mode != .blasThreads
        if !split {
            BLASThreads.set(settings.threads)
            return try body(Array(0..<n))
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
        DispatchQueue.concurrentPerform(iterations: groupsCount) { g in
            results[g] = Result { try body(groups[g]) }
        }
        var out = [[Float]](repeating: [], count: n)
        for g in 0..<groupsCount {
            let vectors = try results[g]!.get()
            for (i, v) in zip(groups[g], vectors) { out[i] = v }
        }
        return out
    }
}
