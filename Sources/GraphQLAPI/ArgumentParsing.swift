// Turns coerced GraphQL argument values (`Map`) into the Database's plain request types.
import Database
import GraphQL

/// A user error found while reading arguments; rendered as the GraphQL error message.
struct ArgumentError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

extension Map {
    /// The value of `key` when this is an object and the key is present and not null.
    subscript(field key: String) -> Map? {
        guard case .dictionary(let d) = self, let v = d[key] else { return nil }
        switch v {
        case .null, .undefined: return nil
        default: return v
        }
    }

    var asInt: Int? {
        if case .number(let n) = self { return n.intValue }
        return nil
    }

    var asDouble: Double? {
        if case .number(let n) = self { return n.doubleValue }
        return nil
    }

    var asString: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    var asStrings: [String]? {
        guard case .array(let items) = self else { return nil }
        return items.compactMap(\.asString)
    }

    /// The plain JSON form (enum values arrive as their string names).
    var json: JSONValue {
        switch self {
        case .undefined, .null: return .null
        case .bool(let b): return .bool(b)
        case .number(let n):
            switch n.storageType {
            case .int, .unknown: return .int(Int64(n.intValue))
            case .bool: return .bool(n.boolValue)
            case .double: return .double(n.doubleValue)
            }
        case .string(let s): return .string(s)
        case .array(let a): return .array(a.map(\.json))
        case .dictionary(let d):
            var o: [String: JSONValue] = [:]
            for (k, v) in d { o[k] = v.json }
            return .object(o)
        }
    }
}

enum ArgumentParsing {
    static func whereFilter(_ args: Map) throws -> WhereFilter? {
        guard let w = args[field: "where"] else { return nil }
        return try WhereFilter.from(json: w.json)
    }

    /// `literal`: the full vector when QueryLiterals read it from the query text.
    static func nearVector(_ m: Map?, literal: [Float]?) -> NearVectorParameter? {
        guard let m else { return nil }
        let vector = literal ?? (m[field: "vector"]?.array ?? []).compactMap { $0.asDouble.map(Float.init) }
        return NearVectorParameter(vector: vector, certainty: m[field: "certainty"]?.asDouble,
                                   distance: m[field: "distance"]?.asDouble)
    }

    static func nearObject(_ m: Map?) -> NearObjectParameter? {
        guard let m else { return nil }
        return NearObjectParameter(id: m[field: "id"]?.asString, beacon: m[field: "beacon"]?.asString,
                                   certainty: m[field: "certainty"]?.asDouble, distance: m[field: "distance"]?.asDouble)
    }

    static func movement(_ m: Map?) -> Movement? {
        guard let m else { return nil }
        let objects = m[field: "objects"]?.array?.map {
            ObjectReference(id: $0[field: "id"]?.asString, beacon: $0[field: "beacon"]?.asString)
        }
        return Movement(force: m[field: "force"]?.asDouble ?? 0, concepts: m[field: "concepts"]?.asStrings,
                        objects: objects)
    }

    /// `image`: nearImage's full string when QueryLiterals took it out of the query text.
    static func moduleParameter(_ kind: ModuleNearArgumentKind, _ m: Map, image: String?) -> ModuleNearParameter {
        switch kind {
        case .nearText:
            return .text(NearTextParameter(
                concepts: m[field: "concepts"]?.asStrings ?? [],
                certainty: m[field: "certainty"]?.asDouble, distance: m[field: "distance"]?.asDouble,
                moveTo: movement(m[field: "moveTo"]), moveAwayFrom: movement(m[field: "moveAwayFrom"])))
        case .nearImage:
            return .image(NearImageParameter(
                image: image ?? m[field: "image"]?.asString ?? "",
                certainty: m[field: "certainty"]?.asDouble, distance: m[field: "distance"]?.asDouble))
        }
    }

    /// nearVector, nearObject and every module argument present in `args` (`context` and `info` are
    /// the resolver's, for vectors QueryLiterals read).
    static func near(_ args: Map, context: any Sendable, info: GraphQLResolveInfo) throws -> NearParameters {
        let literal = QueryLiterals.vector(argument: "nearVector", context: context, info: info)
        var near = NearParameters(nearVector: nearVector(args[field: "nearVector"], literal: literal),
                                  nearObject: nearObject(args[field: "nearObject"]))
        for kind in ModuleNearArgumentKind.allCases {
            if let m = args[field: kind.rawValue] {
                let image = kind == .nearImage ? QueryLiterals.image(argument: kind.rawValue, context: context, info: info) : nil
                near.module.append(moduleParameter(kind, m, image: image))
            }
        }
        // `targets` or `targetVectors` (Weaviate ≥ 1.24) of whichever near argument is given.
        for name in ["nearVector", "nearObject"] + ModuleNearArgumentKind.allCases.map(\.rawValue) {
            if let m = args[field: name], let targets = try targets(m) { near.targets = targets }
        }
        if let m = args[field: "nearVector"] {
            let perTarget = m[field: "vectorPerTarget"]
            guard (m[field: "vector"] == nil) != (perTarget == nil) else {
                throw ArgumentError("vector or vectorPerTarget is required field")
            }
            if let perTarget {
                let full = QueryLiterals.vectorPerTarget(argument: "nearVector", context: context, info: info)
                var targets = near.targets
                near.nearVector?.vectorPerTarget = try vectorPerTarget(perTarget, full: full, targets: &targets)
                near.targets = targets
            }
        }
        return near
    }

    static func bm25(_ args: Map) -> BM25Parameter? {
        guard let m = args[field: "bm25"] else { return nil }
        return BM25Parameter(query: m[field: "query"]?.asString ?? "", properties: m[field: "properties"]?.asStrings)
    }

    /// `hybrid`; its vector may have been read by QueryLiterals like nearVector's.
    static func hybrid(_ args: Map, context: any Sendable, info: GraphQLResolveInfo) throws -> HybridParameter? {
        guard let m = args[field: "hybrid"] else { return nil }
        let vector = QueryLiterals.vector(argument: "hybrid", context: context, info: info)
            ?? m[field: "vector"]?.array.map { $0.compactMap { $0.asDouble.map(Float.init) } }
        var p = HybridParameter(query: m[field: "query"]?.asString ?? "", alpha: m[field: "alpha"]?.asDouble,
                                vector: vector, properties: m[field: "properties"]?.asStrings,
                                maxVectorDistance: m[field: "maxVectorDistance"]?.asDouble)
        p.targets = try targets(m)
        return p
    }

    /// `groupBy`; GraphQL validation has made path, groups and objectsPerGroup present.
    static func groupBy(_ args: Map) -> GroupByParameter? {
        guard let m = args[field: "groupBy"] else { return nil }
        return GroupByParameter(path: m[field: "path"]?.asStrings ?? [], groups: m[field: "groups"]?.asInt ?? 0,
                                objectsPerGroup: m[field: "objectsPerGroup"]?.asInt ?? 0)
    }

    static func group(_ args: Map) -> GroupParameter? {
        guard let m = args[field: "group"] else { return nil }
        return GroupParameter(type: m[field: "type"]?.asString.flatMap(GroupParameter.Strategy.init(rawValue:)),
                              force: m[field: "force"]?.asDouble ?? 0)
    }

    static func sort(_ args: Map) -> [SortSpec] {
        guard let items = args[field: "sort"]?.array else { return [] }
        return items.map {
            SortSpec(path: $0[field: "path"]?.asStrings ?? [], ascending: $0[field: "order"]?.asString != "desc")
        }
    }
}
