// Multi-target vector searches in GraphQL (Weaviate ≥ 1.26): Get's search arguments take
// `targets: {targetVectors combinationMethod weights}`, and nearVector takes `vectorPerTarget`, a query
// vector (or several) per named vector. gRPC's Search has the same through `targets` and
// `vector_for_targets`; both end in the engine's `TargetVectors` and `TargetVector`.
// Aggregate and Explore have neither, as in Weaviate.
import Database
import GraphQL

/// The schema-wide types of multi-target searches: GraphQL type names are global, so one instance each.
struct TargetTypes {
    /// `targetCombinationEnum`: how per-vector distances join.
    let combination: GraphQLEnumType
    /// `Weights`: `{name: Float}` or, for a name searched with several vectors, `{name: [Float]}`.
    let weights: GraphQLScalarType
    /// `VectorPerTarget`: `{name: [Float]}` or `{name: [[Float]]}`.
    let vectorPerTarget: GraphQLScalarType

    init() throws {
        var methods: GraphQLEnumValueMap = [:]
        for join in [TargetVectors.Join.minimum, .average, .sum, .manualWeights, .relativeScore] {
            methods[join.rawValue] = GraphQLEnumValue(value: .string(join.rawValue))
        }
        combination = try GraphQLEnumType(name: "targetCombinationEnum", values: methods)
        weights = try Self.objectScalar(
            name: "Weights", description: "A weight per target vector: a Float, or a list of Floats for a target searched with several vectors",
            depth: 1)
        vectorPerTarget = try Self.objectScalar(
            name: "VectorPerTarget", description: "A query vector per target vector: a list of Floats, or a list of such lists",
            depth: 2)
    }

    /// The `targets` input object of one class's Get arguments.
    func targets(prefix: String) throws -> GraphQLInputObjectType {
        try GraphQLInputObjectType(
            name: "\(prefix)TargetInpObj",
            fields: [
                "targetVectors": InputObjectField(type: GraphQLList(GraphQLString)),
                "combinationMethod": InputObjectField(type: combination),
                "weights": InputObjectField(type: weights),
            ]
        )
    }

    /// A scalar whose values are objects mapping names to a number or a list of numbers (`depth` 1) or
    /// to a list of numbers or a list of such lists (`depth` 2). Literals and variables are checked alike.
    private static func objectScalar(name: String, description: String, depth: Int) throws -> GraphQLScalarType {
        let problem = "\(name) must be an object mapping target vector names to "
            + (depth == 1 ? "a number or a list of numbers" : "a list of numbers or a list of such lists")
        @Sendable func number(_ ast: Value) throws -> Map {
            guard ast is IntValue || ast is FloatValue else { throw GraphQLError(message: problem) }
            return try GraphQLFloat.parseLiteral(valueAST: ast)
        }
        /// One entry's value: a number (depth 1), a list of numbers, or a list of such lists (depth 2).
        @Sendable func entry(_ ast: Value) throws -> Map {
            guard let list = ast as? ListValue else {
                if depth == 1 { return try number(ast) }
                throw GraphQLError(message: problem)
            }
            if depth == 2, list.values.first is ListValue {
                return .array(try list.values.map { inner in
                    guard let inner = inner as? ListValue else { throw GraphQLError(message: problem) }
                    return .array(try inner.values.map(number))
                })
            }
            return .array(try list.values.map(number))
        }
        @Sendable func entryValue(_ value: Map) throws -> Map {
            func isNumber(_ v: Map) -> Bool { if case .number = v { return true } else { return false } }
            switch value {
            case .number where depth == 1: return value
            case .array(let items) where items.allSatisfy(isNumber): return value
            case .array(let items) where depth == 2:
                guard items.allSatisfy({ if case .array(let inner) = $0 { inner.allSatisfy(isNumber) } else { false } })
                else { throw GraphQLError(message: problem) }
                return value
            default: throw GraphQLError(message: problem)
            }
        }
        return try GraphQLScalarType(
            name: name, description: description,
            serialize: { $0 as? Map ?? .null },
            parseValue: { value in
                guard case .dictionary(let d) = value else { throw GraphQLError(message: problem) }
                return .dictionary(try d.mapValues(entryValue))
            },
            parseLiteral: { ast in
                guard let object = ast as? ObjectValue else { throw GraphQLError(message: problem) }
                let pairs = try object.fields.map { ($0.name.value, try entry($0.value)) }
                guard Set(pairs.map(\.0)).count == pairs.count else { throw GraphQLError(message: "\(name) names a target vector twice") }
                return .dictionary(.init(uniqueKeysWithValues: pairs))
            })
    }
}

/// The multi-target fields Get's search arguments add (nil for Aggregate's and Explore's).
struct TargetFields {
    let targets: GraphQLInputObjectType
    let vectorPerTarget: GraphQLScalarType

    init(_ types: TargetTypes, prefix: String) throws {
        targets = try types.targets(prefix: prefix)
        vectorPerTarget = types.vectorPerTarget
    }
}

extension ArgumentParsing {
    /// The named vectors of one search argument (`m`: nearVector, nearObject, nearText, nearImage or
    /// hybrid): `targets` when given, else plain `targetVectors` (joined by minimum). With manualWeights or
    /// relativeScore every target needs a weight; a target searched with several vectors takes one weight
    /// for all of them or a list with one per vector.
    static func targets(_ m: Map) throws -> TargetVectors? {
        guard let t = m[field: "targets"] else {
            guard let names = m[field: "targetVectors"]?.asStrings, !names.isEmpty else { return nil }
            return TargetVectors(names: names)
        }
        guard let names = t[field: "targetVectors"]?.asStrings else {
            throw ArgumentError("targetVectors is required field")
        }
        let join = t[field: "combinationMethod"]?.asString.flatMap(TargetVectors.Join.init(rawValue:)) ?? .minimum
        guard join == .manualWeights || join == .relativeScore else { return TargetVectors(names: names, join: join) }
        let given = t[field: "weights"]
        var perName: [String: [Double]] = [:]
        for name in Set(names) {
            let times = names.filter { $0 == name }.count
            guard let w = given?[field: name] else { throw ArgumentError("weight for target \(name) is not provided") }
            if let one = w.asDouble {
                perName[name] = Array(repeating: one, count: times)
            } else {
                let list = w.array?.compactMap(\.asDouble) ?? []
                guard list.count == times else {
                    throw ArgumentError("target \(name) is searched \(times) times, but \(list.count) weights were given for it")
                }
                perName[name] = list
            }
        }
        var used: [String: Int] = [:]
        let weights = names.map { name in
            defer { used[name, default: 0] += 1 }
            return perName[name]![used[name, default: 0]]
        }
        return TargetVectors(names: names, join: join, weights: weights)
    }

    /// nearVector's `vectorPerTarget` in the engine's form: each name's vectors in the order given
    /// (`full`: lists QueryLiterals blanked, by name), names sorted. With `targets`, each of them needs
    /// vectors, and a name given several vectors must be searched once per vector; without, the names
    /// become the targets (each once per vector).
    static func vectorPerTarget(_ m: Map, full: [String: [Float]], targets: inout TargetVectors?) throws -> [TargetVector] {
        guard case .dictionary(let d) = m else { return [] }
        var given: [TargetVector] = []
        var counts: [String: Int] = [:]
        for (name, value) in d.sorted(by: { $0.key < $1.key }) {
            let items = value.array ?? []
            let vectors: [[Float]]
            if let first = items.first, first.array != nil {
                vectors = items.map { ($0.array ?? []).compactMap { $0.asDouble.map(Float.init) } }
            } else {
                vectors = [full[name] ?? items.compactMap { $0.asDouble.map(Float.init) }]
            }
            counts[name] = vectors.count
            given += vectors.map { TargetVector(name: name, vector: $0) }
        }
        guard let names = targets?.names, !names.isEmpty else {
            targets = TargetVectors(names: given.map(\.name), join: targets?.join ?? .minimum, weights: targets?.weights ?? [])
            return given
        }
        for name in Set(names) {
            guard let n = counts[name] else { throw ArgumentError("vectorPerTarget for target \(name) is not provided") }
            let times = names.filter { $0 == name }.count
            if n > 1, n != times {
                throw ArgumentError("vectorPerTarget gives \(n) vectors for target \(name), but targetVectors names it \(times) times")
            }
        }
        return given
    }
}
