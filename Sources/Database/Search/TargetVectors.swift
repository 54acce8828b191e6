// Vector searches over named vectors (Weaviate ≥ 1.26 `targetVectors`, gRPC `targets`): which of a
// class's vectors a search uses, and, with several, how their distances join into one.
import Storage
import VectorIndex

/// The named vectors a vector search runs on. `names` has one entry per searched vector: a name
/// repeats when it is searched with several query vectors.
public struct TargetVectors: Sendable, Equatable {
    /// How per-vector distances join (gRPC `CombinationMethod`; minimum when unspecified).
    public enum Join: String, Sendable, Equatable {
        case minimum, sum, average, manualWeights, relativeScore
    }
    public var names: [String]
    public var join: Join
    /// One weight per entry of `names` (manualWeights and relativeScore); empty: 1 each.
    public var weights: [Double]

    public init(names: [String], join: Join = .minimum, weights: [Double] = []) {
        self.names = names; self.join = join; self.weights = weights
    }
}

/// A query vector given for one named vector (`vectorPerTarget`, gRPC `vector_for_targets`).
public struct TargetVector: Sendable, Equatable {
    public var name: String
    public var vector: [Float]
    public init(name: String, vector: [Float]) { self.name = name; self.vector = vector }
}

/// One searched vector: a lane (named vector) of the class, the query vector for it, its weight.
struct LaneQuery: Sendable {
    let lane: Int
    let vector: [Float]
    let weight: Double
}

/// What a vector search searches with: one query vector per searched lane, and how their distances join.
struct VectorQuery: Sendable {
    var parts: [LaneQuery]
    var join: TargetVectors.Join = .minimum

    /// A search of the class's first or only vector.
    static func single(_ vector: [Float]) -> VectorQuery { VectorQuery(parts: [LaneQuery(lane: 0, vector: vector, weight: 1)]) }

    /// The query vector shown where one is shown (hybrid's explanation).
    var firstVector: [Float] { parts.first?.vector ?? [] }
}

/// Hands out per-target query vectors in order: the k-th search of a name takes the k-th vector given
/// for it (a name given with several vectors is searched once per vector).
struct TargetVectorPicker {
    let given: [TargetVector]
    private var used: [String: Int] = [:]
    init(given: [TargetVector]) { self.given = given }

    /// The next vector for `name`; nil when no per-target vectors were given. Errors: 422 (`what` prefixes
    /// it) when vectors were given but none for `name`, or one is not finite.
    mutating func next(for name: String, _ what: String) throws -> [Float]? {
        guard !given.isEmpty else { return nil }
        let mine = given.filter { $0.name == name }
        guard !mine.isEmpty else { throw DatabaseError.unprocessable("\(what): no vector given for target vector \"\(name)\"") }
        let k = used[name, default: 0]
        used[name] = k + 1
        let v = mine[min(k, mine.count - 1)].vector
        try ValueFormats.checkFinite(v, what)
        return v
    }
}

extension Database {
    /// The searched lanes of `targets` on `cls`, each with its name (nil for a legacy unnamed vector) and
    /// weight. Without targets a class must have one vector. Errors: 422.
    func targetLanes(_ targets: TargetVectors?, _ cls: ClassDefinition) throws -> [(lane: Int, name: String?, weight: Double)] {
        guard let t = targets, !t.names.isEmpty else {
            if cls.laneCount > 1 {
                throw DatabaseError.unprocessable("class \(cls.className) has multiple vectors, but no target vectors were provided")
            }
            return [(0, cls.vectorName, 1)]
        }
        if t.weights.count > 0, t.weights.count != t.names.count {
            throw DatabaseError.unprocessable("number of weights (\(t.weights.count)) does not match number of targets (\(t.names.count))")
        }
        if (t.join == .manualWeights || t.join == .relativeScore) && t.names.count > 1 && t.weights.isEmpty {
            throw DatabaseError.unprocessable("weights are required for the \(t.join == .manualWeights ? "manual" : "relative score") combination method")
        }
        return try t.names.enumerated().map { k, name in
            guard let lane = cls.lane(named: name) else {
                if cls.vectorName == nil {
                    throw DatabaseError.unprocessable("class \(cls.className) does not have named vectors, but target vector \"\(name)\" was given")
                }
                throw DatabaseError.unprocessable("class \(cls.className) does not have named vector \"\(name)\" configured. "
                                                  + "Available named vectors: \(cls.vectorNames)")
            }
            return (lane, name, t.weights.isEmpty ? 1 : t.weights[k])
        }
    }

    /// The query vectors of a near* search on `cls`: one per target (nearVector's per-target vectors by
    /// the order of their names, else its one vector; nearObject the object's vector of each target's
    /// lane; nearText/nearImage each lane's own module). Errors carry `searchVector`'s prefix.
    func searchQuery(for near: NearParameters, in cls: ClassDefinition, tenant: String?) async throws -> VectorQuery {
        let lanes: [(lane: Int, name: String?, weight: Double)]
        do { lanes = try targetLanes(near.targets, cls) } catch let e as DatabaseError {
            throw DatabaseError(e.kind, vectorizePrefix + e.message)
        }
        var picker = TargetVectorPicker(given: near.nearVector?.vectorPerTarget ?? [])
        var parts: [LaneQuery] = []
        for (lane, name, weight) in lanes {
            let vector: [Float]
            if let name, let v = try picker.next(for: name, vectorizePrefix + "nearVector") {
                vector = v
            } else {
                vector = try await searchVector(for: near, in: cls, lane: lane, tenant: tenant)
            }
            parts.append(LaneQuery(lane: lane, vector: vector, weight: weight))
        }
        return VectorQuery(parts: parts, join: near.targets?.join ?? .minimum)
    }

    /// The nearest objects of several lanes joined (Weaviate's multi-target search): each lane is
    /// searched for `k`, a candidate's distances to the lanes that did not find it are computed from its
    /// stored vectors, the distances join by `query.join`, and the `k` closest (within `maxDistance`) win.
    /// An object without a vector in one of the lanes is not a result.
    func multiTargetNearest(_ st: ClassState, _ query: VectorQuery, k: Int, maxDistance: Float?,
                            allowList: AllowList?) async throws -> [SearchResult] {
        var distances: [[UInt64: Float]] = []
        var candidates: [UInt64] = []
        var seen = Set<UInt64>()
        for part in query.parts {
            let hits = try await engine.nearest(st, lane: part.lane, to: part.vector, k: k, maxDistance: nil, allowList: allowList)
            distances.append(Dictionary(hits.map { ($0.id, $0.distance) }, uniquingKeysWith: { a, _ in a }))
            for h in hits where seen.insert(h.id).inserted { candidates.append(h.id) }
        }
        let incomplete = candidates.filter { id in distances.contains { $0[id] == nil } }
        if !incomplete.isEmpty {
            let rows = try await read { rows in try rows.objects(st, docIDs: incomplete, withVector: true) }
            let def = st.definition
            for row in rows {
                for (i, part) in query.parts.enumerated() where distances[i][row.docID] == nil {
                    let stored = part.lane == 0 ? row.vector : row.moreVectors[part.lane]
                    guard let stored, let d = def.lane(part.lane).distanceMetric.distance(VectorCoding.decode(stored), part.vector)
                    else { continue }
                    distances[i][row.docID] = d
                }
            }
        }
        // relativeScore: each lane's distances scaled to [0, 1] over the candidates before weighting.
        var ranges: [(lo: Float, hi: Float)] = []
        if query.join == .relativeScore {
            ranges = distances.map { d in (d.values.min() ?? 0, d.values.max() ?? 0) }
        }
        var joined: [SearchResult] = []
        for id in candidates {
            var values: [Float] = []
            for i in query.parts.indices {
                guard let d = distances[i][id] else { break }
                values.append(d)
            }
            guard values.count == query.parts.count else { continue }
            let d: Float
            switch query.join {
            case .minimum: d = values.min()!
            case .sum: d = values.reduce(0, +)
            case .average: d = values.reduce(0, +) / Float(values.count)
            case .manualWeights:
                d = zip(values, query.parts).reduce(0) { $0 + $1.0 * Float($1.1.weight) }
            case .relativeScore:
                d = values.indices.reduce(0) { sum, i in
                    let (lo, hi) = ranges[i]
                    return sum + (hi > lo ? (values[i] - lo) / (hi - lo) : 0) * Float(query.parts[i].weight)
                }
            }
            if let maxDistance, d > maxDistance + 1e-6 { continue }
            joined.append(SearchResult(id: id, distance: d))
        }
        joined.sort { $0.distance < $1.distance || ($0.distance == $1.distance && $0.id < $1.id) }
        return Array(joined.prefix(k))
    }
}
