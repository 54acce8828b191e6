// The values resolvers hand to the executor: stored objects exposed by field name, JSON property
// values as plain Swift values the scalar serialisers accept.
import Database
import JSON
import GraphQL

enum ResultValues {
    /// JSON → what GraphQL's scalars and the default resolver understand.
    static func plain(_ value: JSONValue) -> (any Sendable)? {
        switch value {
        case .null: return nil
        case .bool(let b): return b
        case .int(let i): return Int(i)
        case .double(let d): return d
        case .string(let s): return s
        case .array(let items): return items.map { plain($0) } as [(any Sendable)?]
        case .object(let o):
            var d: [String: any Sendable] = [:]
            for (k, v) in o { if let p = plain(v) { d[k] = p } }
            return d
        }
    }

    /// Weaviate's `Int` (graphql-go's) answers null for a value outside 32 bits, and an int property may
    /// hold any JSON integer (so may a phone's national number: 6502530000); GraphQLSwift's
    /// Int throws there. Scalar Int fields resolve through this.
    static let int32OrNull: GraphQLFieldResolve = { source, _, _, info in
        let value = field(info.fieldName, of: source)
        // Plain nil, never an `Int?` boxed as a value.
        switch value {
        case let i as Int: if let v = Int32(exactly: i) { return Int(v) } else { return nil }
        case let d as Double: if d.isFinite && abs(d) <= Double(Int32.max) { return Int(d) } else { return nil }
        default: return value
        }
    }

    /// int[] fields. graphql-go answers null for an item outside 32 bits, but GraphQLSwift cannot return a
    /// null list item (list completion drops it, then the query fails), so such an item is answered as
    /// its stored value: a `Map` number, which GraphQLSwift's Int passes through unchecked. A millisecond
    /// timestamp in an int[] comes back whole rather than failing the query.
    static let intItems: GraphQLFieldResolve = { source, _, _, info in
        let value = field(info.fieldName, of: source)
        guard let items = value as? [(any Sendable)?] else { return value }
        return items.map { item -> (any Sendable)? in
            switch item {
            case let i as Int: return Int32(exactly: i) != nil ? i : Map.number(Number(i))
            case let d as Double: return Int64(exactly: d).map { Map.number(Number($0)) } ?? d
            default: return item
            }
        } as [(any Sendable)?]
    }

    private static func field(_ name: String, of source: any Sendable) -> (any Sendable)? {
        (source as? ObjectSource)?[name] ?? (source as? [String: any Sendable])?[name]
    }

    /// float32 values are widened to float64, as Weaviate's GraphQL layer does.
    static func vector(_ v: [Float]) -> [(any Sendable)?] {
        v.map { Double($0) as (any Sendable)? }
    }
}

/// One object of a Get result (or a referenced object): property fields by name, plus `_additional`.
struct ObjectSource: KeySubscriptable, Sendable {
    let object: WeaviateObject
    let distance: Float?
    let certainty: Double?
    /// bm25 / hybrid only.
    let score: Float?
    let explainScore: String?
    /// groupBy only.
    let group: HitGroup?

    init(object: WeaviateObject, distance: Float? = nil, certainty: Double? = nil, score: Float? = nil,
         explainScore: String? = nil, group: HitGroup? = nil) {
        self.object = object
        self.distance = distance
        self.certainty = certainty
        self.score = score
        self.explainScore = explainScore
        self.group = group
    }

    subscript(key: String) -> (any Sendable)? {
        if key == "_additional" { return additional }
        guard let value = object.properties[key] else { return nil }
        return ResultValues.plain(value)
    }

    var additional: [String: any Sendable] {
        var a: [String: any Sendable] = [
            "id": object.id,
            "creationTimeUnix": String(object.creationTimeUnix),
            "lastUpdateTimeUnix": String(object.lastUpdateTimeUnix),
        ]
        if let v = object.vector { a["vector"] = ResultValues.vector(v) }
        let vectors = object.vectors
        if !vectors.isEmpty { a["vectors"] = vectors.mapValues { ResultValues.vector($0) as any Sendable } }
        if let d = distance { a["distance"] = Double(d) }
        if let c = certainty { a["certainty"] = c }
        if let s = score { a["score"] = GoNumbers.float32(s) }  // a String field in Weaviate
        if let e = explainScore { a["explainScore"] = e }
        if let g = group { a["group"] = Self.group(g) }
        a["isConsistent"] = true  // one node holds the only replica (GetHit.isConsistent)
        return a
    }

    /// `group { id groupedBy { value path } count minDistance maxDistance hits }`; each hit is exposed like
    /// an object (its `_additional` type offers only id, vector and distance).
    static func group(_ g: HitGroup) -> [String: any Sendable] {
        [
            "id": g.id,
            "groupedBy": ["value": g.value, "path": g.path.map { $0 as (any Sendable)? }] as [String: any Sendable],
            "count": g.count,
            "minDistance": Double(g.minDistance),
            "maxDistance": Double(g.maxDistance),
            "hits": g.hits.map { ObjectSource(object: $0.object, distance: $0.distance) as (any Sendable)? },
        ]
    }
}
