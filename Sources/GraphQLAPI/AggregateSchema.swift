// `Aggregate { <Class>(where groupBy limit objectLimit near*) { meta{count} groupedBy{path value} <prop>{…} } }`.
import Database
import GraphQL

/// One group of an Aggregate result as the executor sees it.
struct AggregateGroupSource: KeySubscriptable, Sendable {
    let group: AggregateGroup
    let cls: ClassDefinition

    subscript(key: String) -> (any Sendable)? {
        switch key {
        case "meta": return ["count": group.count] as [String: any Sendable]
        case "groupedBy":
            guard let g = group.groupedBy else { return nil }
            return ["path": g.path.map { $0 as (any Sendable)? }, "value": g.value] as [String: any Sendable]
        default:
            guard let property = cls.property(named: key),
                  let aggregation = PropertyAggregation.compute(property: property, objects: group.objects) else { return nil }
            return PropertyAggregationSource(aggregation: aggregation, typeName: property.kind?.aggregateTypeName ?? "")
        }
    }
}

/// The aggregation of one property; `topOccurrences` has its own resolver (it takes `limit`).
struct PropertyAggregationSource: KeySubscriptable, Sendable {
    let aggregation: PropertyAggregation
    let typeName: String

    subscript(key: String) -> (any Sendable)? {
        if key == "type" { return typeName }
        switch aggregation {
        case .numeric(let n):
            switch key {
            case "count": return n.count
            case "minimum": return n.minimum
            case "maximum": return n.maximum
            case "mean": return n.mean
            case "median": return n.median
            case "mode": return n.mode
            case "sum": return n.sum
            default: return nil
            }
        case .text(let t):
            return key == "count" ? t.count : nil
        case .date(let d):
            switch key {
            case "count": return d.count
            case "minimum": return d.minimum
            case "maximum": return d.maximum
            case "median": return d.median
            case "mode": return d.mode
            default: return nil
            }
        case .boolean(let b):
            switch key {
            case "count": return b.count
            case "totalTrue": return b.totalTrue
            case "totalFalse": return b.totalFalse
            case "percentageTrue": return b.percentageTrue
            case "percentageFalse": return b.percentageFalse
            default: return nil
            }
        case .count(let c):
            return key == "count" ? c : nil
        case .reference(let pointingTo, let count):
            switch key {
            case "pointingTo": return pointingTo.map { $0 as (any Sendable)? }
            case "count": return count
            default: return nil
            }
        }
    }
}

extension PropertyDataType {
    /// The `type` field of a property aggregation (Weaviate names references `cref`).
    var aggregateTypeName: String { isReference ? "cref" : name }
}

enum AggregateSchema {
    static func classType(for cls: ClassDefinition) throws -> GraphQLObjectType {
        let prefix = "Aggregate\(cls.className)"
        var fields: GraphQLFieldMap = [
            "meta": GraphQLField(type: try GraphQLObjectType(
                name: "\(prefix)MetaObject", fields: ["count": GraphQLField(type: GraphQLInt)])),
            "groupedBy": GraphQLField(type: try GraphQLObjectType(
                name: "\(prefix)GroupedByObj",
                fields: ["path": GraphQLField(type: GraphQLList(GraphQLString)), "value": GraphQLField(type: GraphQLString)])),
        ]
        for property in cls.properties ?? [] {
            guard let kind = property.kind else { continue }
            fields[property.name] = GraphQLField(type: try propertyType(kind, name: "\(prefix)\(capitalized(property.name))Obj"))
        }
        return try GraphQLObjectType(name: prefix, fields: fields)
    }

    private static func propertyType(_ kind: PropertyDataType, name: String) throws -> GraphQLObjectType {
        var fields: GraphQLFieldMap = ["type": GraphQLField(type: GraphQLString), "count": GraphQLField(type: GraphQLInt)]
        switch kind.elementType {
        case .int, .number:
            for f in ["minimum", "maximum", "mean", "median", "mode", "sum"] { fields[f] = GraphQLField(type: GraphQLFloat) }
        case .text:
            let occurrence = try GraphQLObjectType(
                name: "\(name)TopOccurrencesObj",
                fields: ["value": GraphQLField(type: GraphQLString), "occurs": GraphQLField(type: GraphQLInt)])
            fields["topOccurrences"] = GraphQLField(
                type: GraphQLList(occurrence),
                args: ["limit": GraphQLArgument(type: GraphQLInt)],
                resolve: { source, args, _, _ in
                    guard let source = source as? PropertyAggregationSource,
                          case .text(let t) = source.aggregation else { return nil }
                    return t.top(args[field: "limit"]?.asInt).map {
                        ["value": $0.value, "occurs": $0.occurs] as [String: any Sendable] as (any Sendable)?
                    }
                })
        case .date:
            for f in ["minimum", "maximum", "median", "mode"] { fields[f] = GraphQLField(type: GraphQLString) }
        case .boolean:
            fields["totalTrue"] = GraphQLField(type: GraphQLInt)
            fields["totalFalse"] = GraphQLField(type: GraphQLInt)
            fields["percentageTrue"] = GraphQLField(type: GraphQLFloat)
            fields["percentageFalse"] = GraphQLField(type: GraphQLFloat)
        case .reference:
            fields["pointingTo"] = GraphQLField(type: GraphQLList(GraphQLString))
        default:
            break
        }
        return try GraphQLObjectType(name: name, fields: fields)
    }

    static func field(for cls: ClassDefinition, backend: any QueryBackend, modules: [any NearSearchVectorizer]) throws -> GraphQLField {
        let prefix = "Aggregate\(cls.className)"
        var args: GraphQLArgumentConfigMap = [
            "where": GraphQLArgument(type: try InputTypes.whereFilter(prefix: prefix)),
            "groupBy": GraphQLArgument(type: GraphQLList(GraphQLString)),
            "limit": GraphQLArgument(type: GraphQLInt),
            "objectLimit": GraphQLArgument(type: GraphQLInt),
            "tenant": GraphQLArgument(type: GraphQLString),
            "nearVector": GraphQLArgument(type: try InputTypes.nearVector(prefix: prefix)),
            "nearObject": GraphQLArgument(type: try InputTypes.nearObject(prefix: prefix)),
            "hybrid": GraphQLArgument(type: try InputTypes.hybrid(prefix: prefix)),
        ]
        for kind in moduleArguments(for: cls, modules: modules) {
            args[kind.rawValue] = GraphQLArgument(type: try InputTypes.moduleArgument(kind, prefix: prefix))
        }
        let type = try classType(for: cls)
        return GraphQLField(type: GraphQLList(type), args: args, resolve: { _, args, context, info in
            try QueryBudget.check()
            let selected = SelectionReader.childNames(info.fieldASTs, fragments: info.fragments)
            let groupBy = args[field: "groupBy"]?.asStrings
            var built = AggregateRequest(
                className: cls.className,
                filter: try ArgumentParsing.whereFilter(args),
                groupBy: groupBy,
                limit: args[field: "limit"]?.asInt,
                objectLimit: args[field: "objectLimit"]?.asInt,
                near: try ArgumentParsing.near(args, context: context, info: info),
                needsObjects: groupBy != nil || !selected.subtracting(["meta", "__typename"]).isEmpty)
            built.tenant = args[field: "tenant"]?.asString.flatMap { $0.isEmpty ? nil : $0 }
            built.hybrid = try ArgumentParsing.hybrid(args, context: context, info: info)
            let request = built
            let groups = try await QueryBudget.withSlot { try await backend.aggregate(request) }
            try QueryBudget.charge(objects: groups.count, info: info)
            return groups.map { AggregateGroupSource(group: $0, cls: cls) as (any Sendable)? }
        })
    }
}
