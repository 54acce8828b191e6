import CDistances
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Exact (brute-force) search over one contiguous vector buffer. Used for classes with
/// `skip: true`, for small filtered searches, and as the baseline the HNSW is tested against.
public final class FlatIndex: VectorIndex, @unchecked Sendable {
    public let metric: DistanceMetric
    public let snapshotPath: String?
    private let kernel: DistanceKernel
    private let lock = ReadWriteLock()

    // Everything below is guarded by `lock`.
    private var dim = 0
    private var capacity = 0
    private var slotCount = 0
    private var vectors: UnsafeMutablePointer<Float> = rawAllocate(Float.self, count: 1)
    private var labels: UnsafeMutablePointer<UInt64> = rawAllocate(UInt64.self, count: 1)
    private var states: UnsafeMutablePointer<UInt8> = rawAllocate(UInt8.self, count: 1, zeroed: true)
    private var slotOf: [UInt64: UInt32] = [:]
    private var freeSlots: [UInt32] = []
    private var sequence: UInt64 = 0
    private var version: UInt64 = 0                 // bumped by every change
    private var persistedVersion: UInt64 = .max     // `persist()` skips an unchanged snapshot

    /// - Parameters:
    ///   - metric: the distance (cosine normalises vectors on insert and query).
    ///   - snapshotPath: where `persist()` writes; nil keeps the index in memory only.
    public init(metric: DistanceMetric, snapshotPath: String? = nil) {
        self.metric = metric
        self.snapshotPath = snapshotPath
        kernel = DistanceKernel(metric: metric)
    }

    deinit { rawFree(vectors); rawFree(labels); rawFree(states) }

    public var count: Int { lock.withReadLock { slotOf.count } }
    public var coveredSequence: UInt64 { lock.withReadLock { sequence } }
    /// The vector length, or 0 before the first insert.
    public var dimensions: Int { lock.withReadLock { dim } }

    public func upsert(id: UInt64, vector: [Float], sequence seq: UInt64) throws {
        let v = try kernel.prepare(vector, dimensions: lock.withReadLock { dim })
        try lock.withWriteLock {
            if dim == 0 { dim = v.count } else if v.count != dim {
                throw VectorIndexError.dimensionMismatch(expected: dim, got: v.count)
            }
            let slot: UInt32
            if let existing = slotOf[id] { slot = existing }
            else if let reused = freeSlots.popLast() { slot = reused }
            else {
                if slotCount == capacity { grow(to: max(64, capacity * 2)) }
                slot = UInt32(slotCount)
                slotCount += 1
            }
            v.withUnsafeBufferPointer { (vectors + Int(slot) * dim).update(from: $0.baseAddress!, count: dim) }
            labels[Int(slot)] = id
            states[Int(slot)] = SlotState.live
            slotOf[id] = slot
            sequence = max(sequence, seq)
            version &+= 1
        }
    }

    public func delete(id: UInt64, sequence seq: UInt64) {
        lock.withWriteLock {
            if let slot = slotOf.removeValue(forKey: id) {
                states[Int(slot)] = SlotState.free
                freeSlots.append(slot)
            }
            sequence = max(sequence, seq)
            version &+= 1
        }
    }

    /// Sequential: a flat insert is a copy, and the write lock serialises it anyway.
    public func apply(_ changes: [VectorChange], through seq: UInt64, threads: Int) -> [VectorIndexError?] {
        var errors = [VectorIndexError?](repeating: nil, count: changes.count)
        for (i, c) in changes.enumerated() {
            guard let v = c.vector else { delete(id: c.id, sequence: seq); continue }
            do { try upsert(id: c.id, vector: v, sequence: seq) } catch let e as VectorIndexError {
                errors[i] = e
            } catch {
                errors[i] = .invalidVector("\(error)")
            }
        }
        markCovered(upTo: seq)
        return errors
    }

    public func markCovered(upTo seq: UInt64) {
        lock.withWriteLock {
            guard seq > sequence else { return }
            sequence = seq
            version &+= 1  // so `persist()` rewrites the snapshot with the new sequence
        }
    }

    /// Reserves room for `count` vectors of `dimensions` (avoids regrowth during a bulk load).
    public func reserve(_ count: Int, dimensions: Int) {
        lock.withWriteLock {
            if dim == 0 { dim = dimensions }
            if count > capacity { grow(to: count) }
        }
    }

    private func grow(to newCapacity: Int) {
        vectors = rawReallocate(vectors, oldCount: capacity * dim, newCount: newCapacity * max(dim, 1), zeroTail: false)
        labels = rawReallocate(labels, oldCount: capacity, newCount: newCapacity, zeroTail: false)
        states = rawReallocate(states, oldCount: capacity, newCount: newCapacity, zeroTail: true)
        capacity = newCapacity
    }

    public func holds(id: UInt64, vector: [Float]) -> Bool {
        lock.withReadLock {
            guard let slot = slotOf[id], let v = kernel.prepareQuery(vector, dimensions: dim) else { return false }
            let stored = UnsafeBufferPointer(start: vectors + Int(slot) * dim, count: dim)
            return v.elementsEqual(stored)
        }
    }

    public func search(_ query: [Float], k: Int, allowList: AllowList?) -> [SearchResult] {
        lock.withReadLock {
            let k = min(k, slotOf.count)  // also keeps the heap size sane for absurd k
            guard k > 0, let q = kernel.prepareQuery(query, dimensions: dim) else { return [] }
            return q.withUnsafeBufferPointer { qb in
                let qp = qb.baseAddress!
                var heap = MaxHeap(capacity: k + 1)
                defer { heap.free() }
                @inline(__always) func consider(_ slot: Int) {
                    let d = kernel(qp, vectors + slot * dim, dim)
                    if heap.count < k { heap.push(Candidate(distance: d, slot: UInt32(slot))) }
                    else if d < heap.top.distance { heap.pop(); heap.push(Candidate(distance: d, slot: UInt32(slot))) }
                }
                if let allowList, allowList.count < slotOf.count {
                    for id in allowList.ids { if let s = slotOf[id] { consider(Int(s)) } }
                } else {
                    for s in 0..<slotCount where states[s] == SlotState.live {
                        if let allowList, !allowList.contains(labels[s]) { continue }
                        consider(s)
                    }
                }
                var out = [Candidate]()
                heap.drainAscending(into: &out)
                return out.map { SearchResult(id: labels[Int($0.slot)], distance: $0.distance) }
            }
        }
    }

    public func search(_ query: [Float], maxDistance: Float, limit: Int, allowList: AllowList?) -> [SearchResult] {
        searchByDistance(query, maxDistance: maxDistance, limit: limit) { search(query, k: $0, allowList: allowList) }
    }

    /// A flat index has only a metric; other settings have nothing to change.
    public func update(config: HNSWConfig) throws {
        if config.distance != metric {
            throw VectorIndexError.invalidConfig("distance is immutable: \(metric.rawValue) cannot become \(config.distance.rawValue)")
        }
    }

    // MARK: Persistence

    public func persist() throws {
        guard let snapshotPath else { return }
        // The write lock also orders this against other persist calls (persistedVersion).
        try lock.withWriteLock {
            if version == persistedVersion && access(snapshotPath, F_OK) == 0 { return }
            let w = try SnapshotWriter(path: snapshotPath)
            try w.writeHeader(kind: .flat, fields: [metric.snapshotCode, UInt64(dim), UInt64(slotCount), sequence])
            try w.write(labels, bytes: slotCount * 8)
            try w.write(states, bytes: slotCount)
            try w.write(vectors, bytes: slotCount * dim * 4)
            try w.finish()
            persistedVersion = version
        }
    }

    /// Opens a snapshot written by `persist()`; throws `corruptSnapshot` if it is torn or damaged.
    public static func load(snapshotPath: String) throws -> FlatIndex {
        let r = try SnapshotReader(path: snapshotPath)
        let (kind, f) = try r.readHeader()
        guard kind == .flat else { throw r.corrupt("snapshot holds a \(kind) index, expected flat") }
        guard let metric = DistanceMetric(snapshotCode: f[0]) else { throw r.corrupt("unknown metric code \(f[0])") }
        // Checked as read (a flipped top bit must not trap in a conversion) and against the file size
        // before anything is allocated from them.
        guard f[1] <= 1 << 20, f[2] <= 1 << 32 else { throw r.corrupt("implausible header (dim \(f[1]), slots \(f[2]))") }
        let dim = Int(f[1]), slots = Int(f[2])
        try r.expectPayload(bytes: slots * (8 + 1 + dim * 4))
        let index = FlatIndex(metric: metric, snapshotPath: snapshotPath)
        index.dim = dim
        index.grow(to: max(slots, 64))
        try r.read(into: index.labels, bytes: slots * 8)
        try r.read(into: index.states, bytes: slots)
        try r.read(into: index.vectors, bytes: slots * dim * 4)
        try r.finish()
        index.slotCount = slots
        index.sequence = f[3]
        index.persistedVersion = index.version
        for s in 0..<slots {
            if index.states[s] == SlotState.live { index.slotOf[index.labels[s]] = UInt32(s) }
            else { index.freeSlots.append(UInt32(s)) }
        }
        return index
    }
}

/// Weaviate's search-by-distance (reference 3.4): search with k = 100, 1100, 11100, ... until a hit
/// lies beyond the threshold, the index runs out, or `limit` is reached.
func searchByDistance(_ query: [Float], maxDistance: Float, limit: Int,
                      search: (Int) -> [SearchResult]) -> [SearchResult] {
    guard limit > 0 else { return [] }
    let threshold = maxDistance + 1e-6
    var k = 100, step = 100
    while true {
        let kk = min(k, limit)
        let hits = search(kk)
        let within = hits.prefix { $0.distance <= threshold }
        if within.count < hits.count || hits.count < kk || kk >= limit { return Array(within) }
        step *= 10
        k += step
    }
}
