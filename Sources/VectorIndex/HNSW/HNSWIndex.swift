import CDistances
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Hierarchical navigable small world graph with Weaviate 1.19's configuration semantics.
///
/// Locking: `structure` is shared by searches and inserts and taken exclusively only to grow the
/// buffers, run a cleanup or create the graph; `writeGate` is shared by writers and taken
/// exclusively by `persist()`, so a snapshot blocks writes but not searches. Per-node spin locks
/// guard neighbour-list edits; `registry` guards the id map and slot allocation; `top` guards the
/// entry point. Lock order: writeGate, structure, then registry / top / a node lock (never two of
/// these at once, except top then node locks while a new top node is wired), and the graph log's
/// buffer mutex innermost: every mutation is appended to the log under the lock that orders it in
/// memory (HNSWLog.swift), so per node the log order is the memory order.
public final class HNSWIndex: VectorIndex, @unchecked Sendable {
    public let metric: DistanceMetric
    public let snapshotPath: String?
    let kernel: DistanceKernel
    let maxConnections: Int
    let efConstruction: Int
    let levelMultiplier: Double

    let structure = ReadWriteLock()
    let writeGate = ReadWriteLock()
    let registry = Mutex()
    let top = Mutex()
    private let configLock = Mutex()
    let scratchPool = ScratchPool()

    // Guarded by `structure` (the graph's buffers) — created on the first insert when the dimension is known.
    var graph: HNSWGraph?
    var initialCapacity: Int

    // Guarded by `registry`.
    var slotOf: [UInt64: UInt32] = [:]
    var freeSlots: [UInt32] = []
    var slotCount = 0
    var deletedCount = 0
    var sequence: UInt64 = 0
    /// Bumped by every change, so `persist()` can skip rewriting an unchanged snapshot.
    var version: UInt64 = 0
    var persistedVersion: UInt64 = .max

    // Guarded by `top`.
    static let noEntry = UInt32.max
    var entryPoint = HNSWIndex.noEntry
    var maxLevel = 0

    private var liveConfig: HNSWConfig
    var rngState: UInt64
    private var cleanupTimer: DispatchSourceTimer?

    /// The graph log beside the snapshot (nil without a snapshot path); replayed on open.
    var graphLog: GraphLog?
    /// The nonce of the snapshot the log extends (0: none). Guarded by `writeGate`.
    var snapshotNonce: UInt64 = 0
    /// What opening this index replayed from its graph log (nil: no log was replayed).
    public internal(set) var lastReplay: GraphLogReplay?

    /// Creates an empty index.
    /// - Parameters:
    ///   - config: Weaviate's vectorIndexConfig (validated: maxConnections and efConstruction >= 4).
    ///   - snapshotPath: where `persist()` writes; nil keeps the index in memory only.
    ///   - initialCapacity: slots to allocate up front (it grows by doubling as needed).
    ///   - seed: seeds the random level generator (deterministic single-threaded builds).
    ///   - backgroundCleanup: run `cleanup()` every `cleanupIntervalSeconds` when there are tombstones.
    ///
    /// With a snapshot path, a new empty graph log (`<snapshotPath>.log`) replaces any old one.
    public convenience init(config: HNSWConfig, snapshotPath: String? = nil, initialCapacity: Int = 1024,
                            seed: UInt64 = 0x1234_5678, backgroundCleanup: Bool = true) throws {
        try self.init(config: config, snapshotPath: snapshotPath, initialCapacity: initialCapacity, seed: seed,
                      backgroundCleanup: backgroundCleanup, startLog: true)
    }

    /// `startLog: false` leaves `log` nil for `load` / `open`, which continue or replace the log themselves.
    init(config: HNSWConfig, snapshotPath: String?, initialCapacity: Int, seed: UInt64,
         backgroundCleanup: Bool, startLog: Bool) throws {
        try HNSWIndex.validate(config)
        metric = config.distance
        self.snapshotPath = snapshotPath
        kernel = DistanceKernel(metric: config.distance)
        maxConnections = config.maxConnections
        efConstruction = config.efConstruction
        levelMultiplier = 1 / log(Double(max(config.maxConnections, 2)))
        liveConfig = config
        self.initialCapacity = initialCapacity
        rngState = seed
        if startLog, let snapshotPath {
            graphLog = try GraphLog.create(path: HNSWIndex.logPath(snapshotPath), header: logHeader(nonce: 0))
        }
        if backgroundCleanup { scheduleCleanup(intervalSeconds: config.cleanupIntervalSeconds) }
    }

    /// Where the graph log of a snapshot lives.
    static func logPath(_ snapshotPath: String) -> String { snapshotPath + ".log" }

    func logHeader(nonce: UInt64) -> GraphLogHeader {
        GraphLogHeader(nonce: nonce, metricCode: metric.snapshotCode, maxConnections: UInt64(maxConnections),
                       efConstruction: UInt64(efConstruction))
    }

    deinit { cleanupTimer?.cancel() }

    static func validate(_ c: HNSWConfig) throws {
        if c.maxConnections < 4 { throw VectorIndexError.invalidConfig("maxConnections must be a positive integer with a minimum of 4") }
        if c.efConstruction < 4 { throw VectorIndexError.invalidConfig("efConstruction must be a positive integer with a minimum of 4") }
        if c.maxConnections > 2047 { throw VectorIndexError.invalidConfig("maxConnections must be at most 2047") }
    }

    // MARK: Introspection

    public var count: Int { registry.withLock { slotOf.count } }

    public func holds(id: UInt64, vector: [Float]) -> Bool {
        structure.withReadLock {
            guard let g = graph, let slot = registry.withLock({ slotOf[id] }),
                  let v = kernel.prepareQuery(vector, dimensions: g.dim) else { return false }
            return v.elementsEqual(UnsafeBufferPointer(start: g.vector(slot), count: g.dim))
        }
    }
    public var coveredSequence: UInt64 { registry.withLock { sequence } }
    /// Tombstones waiting for `cleanup()`.
    public var tombstoneCount: Int { registry.withLock { deletedCount } }
    /// The vector length, or 0 before the first insert.
    public var dimensions: Int { structure.withReadLock { graph?.dim ?? 0 } }
    public var config: HNSWConfig { configLock.withLock { liveConfig } }

    /// Applies the mutable settings live (ef, dynamicEf*, flatSearchCutoff, cleanupIntervalSeconds);
    /// changing an immutable one (distance, maxConnections, efConstruction) is an error.
    public func update(config new: HNSWConfig) throws {
        try HNSWIndex.validate(new)
        if new.distance != metric { throw VectorIndexError.invalidConfig("distance is immutable: \(metric.rawValue) cannot become \(new.distance.rawValue)") }
        if new.maxConnections != maxConnections { throw VectorIndexError.invalidConfig("maxConnections is immutable") }
        if new.efConstruction != efConstruction { throw VectorIndexError.invalidConfig("efConstruction is immutable") }
        let old = configLock.withLock { () -> HNSWConfig in let o = liveConfig; liveConfig = new; return o }
        if old.cleanupIntervalSeconds != new.cleanupIntervalSeconds && cleanupTimer != nil {
            scheduleCleanup(intervalSeconds: new.cleanupIntervalSeconds)
        }
    }

    // MARK: Writes

    public func upsert(id: UInt64, vector: [Float], sequence seq: UInt64) throws {
        let v = try kernel.prepare(vector, dimensions: dimensions)
        try writeGate.withReadLock {
            graphLog?.beginOp()
            do {
                try ensureGraph(dimensions: v.count)
                try v.withUnsafeBufferPointer { try insert(id: id, vector: $0.baseAddress!, sequence: seq) }
            } catch {
                graphLog?.endOp(sequence: 0)  // a failed write does not cover its sequence (as in memory)
                throw error
            }
            graphLog?.endOp(sequence: seq)
        }
        graphLog?.flush()
    }

    public func delete(id: UInt64, sequence seq: UInt64) {
        writeGate.withReadLock {
            graphLog?.beginOp()
            remove(id: id, sequence: seq)
            graphLog?.endOp(sequence: seq)
        }
        graphLog?.flush()
    }

    /// Tombstones the node of `id`. Caller holds `writeGate` shared.
    func remove(id: UInt64, sequence seq: UInt64) {
        structure.withReadLock {
            registry.withLock {
                if let g = graph, let slot = slotOf[id] {
                    graphLog?.append(.tombstone, payloadBytes: 4) { $0.u32(slot) }
                    slotOf[id] = nil
                    g.states[Int(slot)] = SlotState.deleted
                    deletedCount += 1
                }
                sequence = max(sequence, seq)
                version &+= 1
            }
        }
    }

    public func markCovered(upTo seq: UInt64) {
        // Under the write gate like every write, so a snapshot in progress holds a consistent sequence.
        writeGate.withReadLock {
            graphLog?.beginOp()
            registry.withLock {
                guard seq > sequence else { return }
                sequence = seq
                version &+= 1  // so `persist()` rewrites the snapshot with the new sequence
            }
            graphLog?.endOp(sequence: seq)
        }
        graphLog?.flush()
    }

    /// Applies a committed batch: distinct ids are inserted on `threads` workers (a batch that names an
    /// id twice applies in order on one thread), then `sequence` is recorded as covered and the graph
    /// log is written. A change that fails (bad vector, dimension mismatch) gets its error; the others apply.
    public func apply(_ changes: [VectorChange], through seq: UInt64, threads: Int) -> [VectorIndexError?] {
        var errors = [VectorIndexError?](repeating: nil, count: changes.count)
        guard !changes.isEmpty else { markCovered(upTo: seq); return errors }
        writeGate.withReadLock {
            graphLog?.beginOp()
            defer { graphLog?.endOp(sequence: seq) }
            // Grow once up front so workers do not take turns regrowing; the first valid vector fixes
            // the dimension of an empty index. Failures here show up per change below.
            var dim = dimensions
            if dim == 0, let first = changes.first(where: { $0.vector.map { (try? kernel.prepare($0, dimensions: 0)) != nil } ?? false }) {
                dim = first.vector!.count
            }
            let inserts = changes.reduce(0) { $0 + ($1.vector == nil ? 0 : 1) }
            if dim > 0 && inserts > 0 {
                try? ensureGraph(dimensions: dim)
                let needed = registry.withLock { slotCount + max(0, inserts - freeSlots.count) }
                try? structure.withWriteLock { if let g = graph, g.dim == dim { try g.grow(to: needed) } }
            }
            var distinct = Set<UInt64>(minimumCapacity: changes.count)
            let parallel = threads > 1 && changes.count > 1 && changes.allSatisfy { distinct.insert($0.id).inserted }
            errors.withUnsafeMutableBufferPointer { out in
                // nonisolated(unsafe): the workers write disjoint elements.
                nonisolated(unsafe) let out = out
                @Sendable func one(_ i: Int) {
                    let c = changes[i]
                    guard let vector = c.vector else { remove(id: c.id, sequence: seq); return }
                    do {
                        let v = try kernel.prepare(vector, dimensions: dimensions)
                        try ensureGraph(dimensions: v.count)
                        try v.withUnsafeBufferPointer { try insert(id: c.id, vector: $0.baseAddress!, sequence: seq) }
                    } catch let e as VectorIndexError {
                        out[i] = e
                    } catch {
                        out[i] = .invalidVector("\(error)")
                    }
                    graphLog?.flushIfLarge()
                }
                if !parallel {
                    for i in changes.indices { one(i) }
                    return
                }
                var next: UInt64 = 0
                withUnsafeMutablePointer(to: &next) { pointer in
                    // nonisolated(unsafe): only touched through the atomic fetch-add.
                    nonisolated(unsafe) let counter = pointer
                    DispatchQueue.concurrentPerform(iterations: min(threads, changes.count)) { _ in
                        while true {
                            let i = Int(cd_fetch_add_u64(counter, 1))
                            if i >= changes.count { break }
                            one(i)
                        }
                    }
                }
            }
            registry.withLock {
                sequence = max(sequence, seq)
                version &+= 1
            }
        }
        graphLog?.flush()
        return errors
    }

    /// Allocates room for `count` vectors of `dimensions` now (as hnswlib's max_elements).
    public func reserve(_ count: Int, dimensions: Int) throws {
        try ensureGraph(dimensions: dimensions)
        try structure.withWriteLock { try graph!.grow(to: count) }
    }

    func ensureGraph(dimensions dim: Int) throws {
        let existing = structure.withReadLock { graph?.dim }
        if let existing {
            if existing != dim { throw VectorIndexError.dimensionMismatch(expected: existing, got: dim) }
            return
        }
        try structure.withWriteLock {
            if let g = graph {
                if g.dim != dim { throw VectorIndexError.dimensionMismatch(expected: g.dim, got: dim) }
            } else {
                graph = try HNSWGraph(dim: dim, maxConnections: maxConnections, capacity: initialCapacity)
                graphLog?.append(.createGraph, payloadBytes: 4) { $0.u32(UInt32(dim)) }
            }
        }
    }

    /// A random level with P(level >= l) = M^-l (hnswlib / Weaviate), from a shared SplitMix64 stream.
    func randomLevel() -> Int {
        let s = withUnsafeMutablePointer(to: &rngState) { cd_fetch_add_u64($0, 0x9E37_79B9_7F4A_7C15) } &+ 0x9E37_79B9_7F4A_7C15
        var z = s
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        let u = (Double(z >> 11) + 1) / Double(1 << 53)  // (0, 1]
        return min(Int(-log(u) * levelMultiplier), 200)
    }

    // MARK: Background cleanup

    private func scheduleCleanup(intervalSeconds: Int) {
        cleanupTimer?.cancel()
        cleanupTimer = nil
        guard intervalSeconds > 0 else { return }
        let timer = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
        timer.schedule(deadline: .now() + .seconds(intervalSeconds), repeating: .seconds(intervalSeconds))
        timer.setEventHandler { [weak self] in
            guard let self, self.tombstoneCount > 0 else { return }
            self.cleanup()
        }
        timer.resume()
        cleanupTimer = timer
    }
}
