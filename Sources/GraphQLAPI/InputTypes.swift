// The argument input types of Get, Aggregate and Explore (Weaviate 1.19 `common_filters`,
// `local/get`, `local/aggregate`, `local/explore`). Each class gets its own named copies, as in
// Weaviate, so validation messages name e.g. `GetObjectsArticleWhereInpObj`.
import Database
import GraphQL

enum InputTypes {
    /// `where: {operator path operands value* }` with `operands` recursive.
    static func whereFilter(prefix: String) throws -> GraphQLInputObjectType {
        var operators: GraphQLEnumValueMap = [:]
        for op in WhereOperator.allCases.map(\.rawValue) + WhereFilter.containsOperators {
            operators[op] = GraphQLEnumValue(value: .string(op))
        }
        let operatorEnum = try GraphQLEnumType(name: "\(prefix)WhereOperatorEnum", values: operators)
        let geoRange = try GraphQLInputObjectType(
            name: "\(prefix)WhereGeoRangeInpObj",
            fields: [
                "geoCoordinates": InputObjectField(type: GraphQLNonNull(try GraphQLInputObjectType(
                    name: "\(prefix)WhereGeoRangeGeoCoordinatesInpObj",
                    fields: [
                        "latitude": InputObjectField(type: GraphQLNonNull(GraphQLFloat)),
                        "longitude": InputObjectField(type: GraphQLNonNull(GraphQLFloat)),
                    ]))),
                "distance": InputObjectField(type: GraphQLNonNull(try GraphQLInputObjectType(
                    name: "\(prefix)WhereGeoRangeDistanceInpObj",
                    fields: ["max": InputObjectField(type: GraphQLNonNull(GraphQLFloat))]))),
            ]
        )
        let valueTypes = try WhereValueTypes(prefix: prefix)
        // Built lazily so `operands` can refer to the type being defined.
        let box = TypeBox()
        let whereType = try GraphQLInputObjectType(
            name: "\(prefix)WhereInpObj",
            fields: {
                [
                    "operator": InputObjectField(type: operatorEnum),
                    "path": InputObjectField(type: GraphQLList(GraphQLString)),
                    "operands": InputObjectField(type: GraphQLList(box.type!)),
                    "valueInt": InputObjectField(type: valueTypes.int),
                    "valueNumber": InputObjectField(type: valueTypes.number),
                    "valueBoolean": InputObjectField(type: valueTypes.boolean),
                    "valueString": InputObjectField(type: valueTypes.string),
                    "valueText": InputObjectField(type: valueTypes.text),
                    "valueDate": InputObjectField(type: valueTypes.date),
                    "valueGeoRange": InputObjectField(type: geoRange),
                ]
            }
        )
        box.type = whereType
        return whereType
    }

    /// The `value*` fields of `where`: one value, or a list of them for ContainsAny/All/None. As in Weaviate
    /// (≥ 1.21), each is a scalar that reads either form; the elements keep the base scalar's checks and
    /// error messages.
    struct WhereValueTypes {
        let int, number, boolean, string, text, date: GraphQLScalarType

        init(prefix: String) throws {
            func oneOrList(_ name: String, _ base: GraphQLScalarType,
                           element: (@Sendable (Value) throws -> Map)? = nil) throws -> GraphQLScalarType {
                let element = element ?? { try base.parseLiteral(valueAST: $0) }
                return try GraphQLScalarType(
                    name: "\(prefix)Where\(name)", description: "\(base.name) or [\(base.name)]",
                    serialize: { try base.serialize(value: $0) },
                    parseValue: { value in
                        guard case .array(let items) = value else { return try base.parseValue(value: value) }
                        return .array(try items.map { try base.parseValue(value: $0) })
                    },
                    parseLiteral: { ast in
                        guard let list = ast as? ListValue else { return try element(ast) }
                        return .array(try list.values.map(element))
                    })
            }
            int = try oneOrList("Int", GraphQLInt)
            number = try oneOrList("Float", GraphQLFloat)
            // The v4 client writes a Python bool into Aggregate's query text (`valueBoolean: [False]`),
            // which Weaviate accepts: `True` and `False` read as booleans here.
            boolean = try oneOrList("Boolean", GraphQLBoolean) { ast in
                if let e = ast as? EnumValue, e.value == "True" || e.value == "False" { return .bool(e.value == "True") }
                return try GraphQLBoolean.parseLiteral(valueAST: ast)
            }
            string = try oneOrList("String", GraphQLString)
            text = try oneOrList("Text", GraphQLString)
            date = try oneOrList("Date", GraphQLString)
        }
    }

    /// `nearVector`; with `targets` (Get) also `targets` and `vectorPerTarget`, and then `vector` is
    /// optional: one of the two is required (ArgumentParsing checks).
    static func nearVector(prefix: String, targets: TargetFields? = nil) throws -> GraphQLInputObjectType {
        var fields: InputObjectFieldMap = [
            "vector": InputObjectField(type: GraphQLNonNull(GraphQLList(GraphQLFloat))),
            "certainty": InputObjectField(type: GraphQLFloat),
            "targetVectors": InputObjectField(type: GraphQLList(GraphQLString)),
            "distance": InputObjectField(type: GraphQLFloat),
        ]
        if let targets {
            fields["vector"] = InputObjectField(type: GraphQLList(GraphQLFloat))
            fields["vectorPerTarget"] = InputObjectField(type: targets.vectorPerTarget)
        }
        return try GraphQLInputObjectType(name: "\(prefix)NearVectorInpObj", fields: withTargets(fields, targets))
    }

    /// `fields` and, for Get, `targets`.
    private static func withTargets(_ fields: InputObjectFieldMap, _ targets: TargetFields?) -> InputObjectFieldMap {
        var fields = fields
        if let targets { fields["targets"] = InputObjectField(type: targets.targets) }
        return fields
    }

    static func nearObject(prefix: String, targets: TargetFields? = nil) throws -> GraphQLInputObjectType {
        try GraphQLInputObjectType(
            name: "\(prefix)NearObjectInpObj",
            fields: withTargets([
                "id": InputObjectField(type: GraphQLString),
                "beacon": InputObjectField(type: GraphQLString),
                "certainty": InputObjectField(type: GraphQLFloat),
                "targetVectors": InputObjectField(type: GraphQLList(GraphQLString)),
                "distance": InputObjectField(type: GraphQLFloat),
            ], targets)
        )
    }

    /// nearText of a text-capable module: concepts, certainty, distance, moveTo, moveAwayFrom.
    static func nearText(prefix: String, targets: TargetFields? = nil) throws -> GraphQLInputObjectType {
        let objectRef = try GraphQLInputObjectType(
            name: "\(prefix)NearTextMovementObjectsInpObj",
            fields: ["id": InputObjectField(type: GraphQLString), "beacon": InputObjectField(type: GraphQLString)]
        )
        func movement(_ name: String) throws -> GraphQLInputObjectType {
            try GraphQLInputObjectType(
                name: "\(prefix)NearText\(name)InpObj",
                fields: [
                    "concepts": InputObjectField(type: GraphQLList(GraphQLString)),
                    "objects": InputObjectField(type: GraphQLList(objectRef)),
                    "force": InputObjectField(type: GraphQLNonNull(GraphQLFloat)),
                ]
            )
        }
        return try GraphQLInputObjectType(
            name: "\(prefix)NearTextInpObj",
            fields: withTargets([
                "concepts": InputObjectField(type: GraphQLNonNull(GraphQLList(GraphQLString))),
                "certainty": InputObjectField(type: GraphQLFloat),
                "targetVectors": InputObjectField(type: GraphQLList(GraphQLString)),
                "distance": InputObjectField(type: GraphQLFloat),
                "moveTo": InputObjectField(type: try movement("MoveTo")),
                "moveAwayFrom": InputObjectField(type: try movement("MoveAwayFrom")),
            ], targets)
        )
    }

    static func nearImage(prefix: String, targets: TargetFields? = nil) throws -> GraphQLInputObjectType {
        try GraphQLInputObjectType(
            name: "\(prefix)NearImageInpObj",
            fields: withTargets([
                "image": InputObjectField(type: GraphQLNonNull(GraphQLString)),
                "certainty": InputObjectField(type: GraphQLFloat),
                "targetVectors": InputObjectField(type: GraphQLList(GraphQLString)),
                "distance": InputObjectField(type: GraphQLFloat),
            ], targets)
        )
    }

    /// `bm25: {query properties}`; a missing query is reported by the engine, as Weaviate does.
    static func bm25(prefix: String) throws -> GraphQLInputObjectType {
        try GraphQLInputObjectType(
            name: "\(prefix)Bm25InpObj",
            fields: [
                "query": InputObjectField(type: GraphQLString),
                "properties": InputObjectField(type: GraphQLList(GraphQLString)),
            ]
        )
    }

    /// `hybrid: {query alpha vector properties}` (1.19 has no fusionType).
    static func hybrid(prefix: String, targets: TargetFields? = nil) throws -> GraphQLInputObjectType {
        try GraphQLInputObjectType(
            name: "\(prefix)HybridInpObj",
            fields: withTargets([
                "query": InputObjectField(type: GraphQLString),
                "alpha": InputObjectField(type: GraphQLFloat),
                "vector": InputObjectField(type: GraphQLList(GraphQLFloat)),
                "properties": InputObjectField(type: GraphQLList(GraphQLString)),
                "maxVectorDistance": InputObjectField(type: GraphQLFloat),
                "targetVectors": InputObjectField(type: GraphQLList(GraphQLString)),
            ], targets)
        )
    }

    static func moduleArgument(_ kind: ModuleNearArgumentKind, prefix: String,
                               targets: TargetFields? = nil) throws -> GraphQLInputObjectType {
        switch kind {
        case .nearText: return try nearText(prefix: prefix, targets: targets)
        case .nearImage: return try nearImage(prefix: prefix, targets: targets)
        }
    }

    /// `sort: [{path: [String] order: asc|desc}]`.
    static func sort(prefix: String, order: GraphQLEnumType) throws -> GraphQLInputObjectType {
        try GraphQLInputObjectType(
            name: "\(prefix)SortInpObj",
            fields: [
                "path": InputObjectField(type: GraphQLList(GraphQLString)),
                "order": InputObjectField(type: order),
            ]
        )
    }

    /// `groupBy: {path: [String]! groups: Int! objectsPerGroup: Int!}` (Get only; Aggregate's is a list).
    static func groupBy(prefix: String) throws -> GraphQLInputObjectType {
        try GraphQLInputObjectType(
            name: "\(prefix)GroupByInpObj",
            fields: [
                "path": InputObjectField(type: GraphQLNonNull(GraphQLList(GraphQLString))),
                "groups": InputObjectField(type: GraphQLNonNull(GraphQLInt)),
                "objectsPerGroup": InputObjectField(type: GraphQLNonNull(GraphQLInt)),
            ]
        )
    }

    /// `group: {type: closest|merge, force: Float!}` (`type` is optional in 1.19's schema).
    static func group(prefix: String) throws -> GraphQLInputObjectType {
        try GraphQLInputObjectType(
            name: "\(prefix)GroupInpObj",
            fields: [
                "type": InputObjectField(type: try GraphQLEnumType(
                    name: "\(prefix)GroupInpObjTypeEnum",
                    values: ["closest": GraphQLEnumValue(value: .string("closest")),
                             "merge": GraphQLEnumValue(value: .string("merge"))])),
                "force": InputObjectField(type: GraphQLNonNull(GraphQLFloat)),
            ]
        )
    }

    /// `consistencyLevel: ONE|QUORUM|ALL` (1.19 offers it only with replication; Iris on every class).
    static func consistencyLevel(className: String) throws -> GraphQLEnumType {
        var values: GraphQLEnumValueMap = [:]
        for level in ConsistencyLevel.allCases { values[level.rawValue] = GraphQLEnumValue(value: .string(level.rawValue)) }
        return try GraphQLEnumType(name: "\(className)ConsistencyLevelEnum", values: values)
    }

    static func sortOrderEnum() throws -> GraphQLEnumType {
        try GraphQLEnumType(
            name: "SortOrderEnum",
            values: ["asc": GraphQLEnumValue(value: .string("asc")), "desc": GraphQLEnumValue(value: .string("desc"))]
        )
    }
}

/// Holds a type until a lazy field closure reads it (self-referential input types). @unchecked Sendable:
/// `type` is set once while the schema is built, before any query can run the closure.
final class TypeBox: @unchecked Sendable {
    var type: GraphQLInputObjectType?
}
