// The seam between the Database and its vector indexes. The Database owns one index per class,
// labels vectors with the store's document ids, and replays the store's change log into the index
// after a restart (see `coveredSequence`), so an index is derived data that never needs a rebuild.

/// The distance metrics of Weaviate 1.19 (`vectorIndexConfig.distance`).
public enum DistanceMetric: String, Sendable, Codable, CaseIterable {
    case cosine
    case dot
    case l2Squared = "l2-squared"
    case manhattan
    case hamming
}

/// One hit of a vector search: a document id and its distance to the query (smaller is closer).
public struct SearchResult: Sendable, Equatable {
    public var id: UInt64
    public var distance: Float
    public init(id: UInt64, distance: Float) { self.id = id; self.distance = distance }
}

/// Weaviate's `vectorIndexConfig` for hnsw, with its defaults (reference section 7).
public struct HNSWConfig: Sendable, Equatable, Codable {
    public var ef: Int = -1
    public var efConstruction: Int = 128
    public var maxConnections: Int = 64
    public var dynamicEfMin: Int = 100
    public var dynamicEfMax: Int = 500
    public var dynamicEfFactor: Int = 8
    public var flatSearchCutoff: Int = 40_000
    public var cleanupIntervalSeconds: Int = 300
    public var vectorCacheMaxObjects: Int = 1_000_000_000_000
    public var distance: DistanceMetric = .cosine
    public var skip: Bool = false
    public init() {}

    /// ef for a k-NN search, as Weaviate's `searchTimeEF`: `ef` when at least 1, else k × dynamicEfFactor
    /// clamped to dynamicEfMax, then to dynamicEfMin; never below k. The HNSW index and pgvector's
    /// `hnsw.ef_search` both take it. The product saturates: the settings are whatever integers a class's
    /// vectorIndexConfig holds, and an overflow here stopped the process.
    public func searchEf(k: Int) -> Int {
        if ef >= 1 { return max(ef, k) }
        let (product, overflow) = k.multipliedReportingOverflow(by: dynamicEfFactor)
        var auto = overflow ? (dynamicEfFactor < 0 ? Int.min : Int.max) : product  // k is never negative
        if auto > dynamicEfMax { auto = dynamicEfMax } else if auto < dynamicEfMin { auto = dynamicEfMin }
        return max(auto, k)
    }
}

/// A set of document ids a filtered search may return (the `where` filter's result).
public struct AllowList: Sendable {
    public let ids: Set<UInt64>
    public init<S: Sequence>(_ ids: S) where S.Element == UInt64 { self.ids = Set(ids) }
    public var count: Int { ids.count }
    @inline(__always) public func contains(_ id: UInt64) -> Bool { ids.contains(id) }
}

/// One committed change for `VectorIndex.apply`: a new vector for `id`, or its removal (`vector == nil`).
public struct VectorChange: Sendable {
    public var id: UInt64
    public var vector: [Float]?
    public init(id: UInt64, vector: [Float]?) { self.id = id; self.vector = vector }
}

/// A vector index over document ids. Implementations are safe to call from many threads at once.
public protocol VectorIndex: AnyObject, Sendable {
    var metric: DistanceMetric { get }
    /// The number of live (not deleted) vectors.
    var count: Int { get }
    /// The highest store change-log sequence number whose effect this index contains.
    var coveredSequence: UInt64 { get }

    /// Adds or replaces the vector of `id`; `sequence` is the change-log entry this write came from.
    func upsert(id: UInt64, vector: [Float], sequence: UInt64) throws
    /// Removes `id` if present.
    func delete(id: UInt64, sequence: UInt64)
    /// Applies a committed batch of changes in order (ids that differ may be applied concurrently on
    /// `threads` workers), then records `sequence` as covered. Returns one entry per change: nil when it
    /// applied, else why not (invalid vector, dimension mismatch); the other changes still apply.
    func apply(_ changes: [VectorChange], through sequence: UInt64, threads: Int) -> [VectorIndexError?]
    /// Records that the index holds every change up to `sequence` without changing its vectors, e.g.
    /// after a rebuild from the store that found nothing to insert. Never moves `coveredSequence`
    /// back; the next `persist()` writes the new value into the snapshot.
    func markCovered(upTo sequence: UInt64)
    /// The `k` nearest live vectors, closest first, optionally restricted to `allowList`.
    func search(_ query: [Float], k: Int, allowList: AllowList?) -> [SearchResult]
    /// All hits with distance <= `maxDistance` (within 1e-6), closest first, at most `limit`.
    /// Grows k as Weaviate does: 100, then 1100, 11100, ... (reference 3.4).
    func search(_ query: [Float], maxDistance: Float, limit: Int, allowList: AllowList?) -> [SearchResult]
    /// Applies the mutable settings (ef, dynamicEf*, flatSearchCutoff) live.
    func update(config: HNSWConfig) throws
    /// Writes a snapshot so the next start loads instead of rebuilding; safe to call at any time.
    func persist() throws
    /// Whether `id` is live and stored with exactly `vector` (as the index prepares it: normalised for
    /// cosine). The start-up check samples stored objects through it to prove the index matches the store.
    func holds(id: UInt64, vector: [Float]) -> Bool
}
