/// Errors from the vector indexes; every message says what was wrong so the API can pass it on.
public enum VectorIndexError: Error, CustomStringConvertible, Equatable {
    case invalidVector(String)
    case dimensionMismatch(expected: Int, got: Int)
    case invalidConfig(String)
    /// The snapshot file is missing, torn or fails its checksum: the caller should rebuild from the store.
    case corruptSnapshot(path: String, reason: String)
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidVector(let m): return "invalid vector: \(m)"
        case .dimensionMismatch(let e, let g):
            return "new node has a vector with length \(g). Existing nodes have vectors with length \(e)"
        case .invalidConfig(let m): return "invalid hnsw config: \(m)"
        case .corruptSnapshot(let p, let r): return "vector index snapshot \(p) is unusable: \(r)"
        case .io(let p, let r): return "vector index file \(p): \(r)"
        }
    }
}
