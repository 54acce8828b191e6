// `Get { <Class>(...) { <props> _additional {...} } }`: one object type per class, properties typed as
// reference 4 says, references as unions of their target classes (`... on Class { }`).
import Database
import Foundation
import GraphQL

/// Builds the per-class object types of Get; cross-class unions resolve through `classTypes` lazily.
/// @unchecked Sendable: `classTypes` is filled in init, before the schema that reads it exists.
final class GetTypes: @unchecked Sendable {
    let backend: any QueryBackend
    let classes: [ClassDefinition]
    private(set) var classTypes: [String: GraphQLObjectType] = [:]
    private let fieldCache = FieldCache()

    init(backend: any QueryBackend, classes: [ClassDefinition]) throws {
        self.backend = backend
        self.classes = classes
        for cls in classes {
            classTypes[cls.className] = try objectType(for: cls)
        }
    }

    private func objectType(for cls: ClassDefinition) throws -> GraphQLObjectType {
        let additional = try additionalType(for: cls)
        // Lazy fields: reference unions need the types of other classes, built in the same pass.
        return try GraphQLObjectType(
            name: cls.className,
            description: cls.description,
            fields: { [self] in  // schema types form cycles anyway (recursive references); a rebuild leaks little
                var fields = try self.propertyFields(of: cls)
                fields["_additional"] = GraphQLField(type: additional)
                return fields
            },
            isTypeOf: { source, _ in (source as? ObjectSource)?.object.className == cls.className }
        )
    }

    /// The property fields of a class, built once: the class's type and its groupBy hits share them
    /// (their geo, phone and reference types have names that must be unique in the schema).
    private func propertyFields(of cls: ClassDefinition) throws -> GraphQLFieldMap {
        try fieldCache.fields(of: cls.className) {
            var fields: GraphQLFieldMap = [:]
            for property in cls.properties ?? [] {
                if let field = try self.field(for: property, of: cls) { fields[property.name] = field }
            }
            return fields
        }
    }

    private func additionalType(for cls: ClassDefinition) throws -> GraphQLObjectType {
        let name = cls.className
        // 1.19's `classification` block; Iris has no classification module, so it is always null.
        let classification = try GraphQLObjectType(
            name: "\(name)AdditionalClassification",
            fields: [
                "id": GraphQLField(type: GraphQLString),
                "basedOn": GraphQLField(type: GraphQLList(GraphQLString)),
                "scope": GraphQLField(type: GraphQLList(GraphQLString)),
                "classifiedFields": GraphQLField(type: GraphQLList(GraphQLString)),
                "completed": GraphQLField(type: GraphQLString),
            ])
        let hitAdditional = try GraphQLObjectType(
            name: "\(name)AdditionalGroupHitsAdditional",
            fields: [
                "id": GraphQLField(type: GraphQLString),
                "vector": GraphQLField(type: GraphQLList(GraphQLFloat)),
                "distance": GraphQLField(type: GraphQLFloat),
            ])
        let hits = try GraphQLObjectType(
            name: "\(name)AdditionalGroupHits",
            fields: { [self] in
                var fields = try self.propertyFields(of: cls)
                fields["_additional"] = GraphQLField(type: hitAdditional)
                return fields
            })
        let group = try GraphQLObjectType(
            name: "\(name)AdditionalGroup",
            fields: [
                "id": GraphQLField(type: GraphQLInt),
                "groupedBy": GraphQLField(type: try GraphQLObjectType(
                    name: "\(name)AdditionalGroupGroupedBy",
                    fields: ["path": GraphQLField(type: GraphQLList(GraphQLString)),
                             "value": GraphQLField(type: GraphQLString)])),
                "minDistance": GraphQLField(type: GraphQLFloat),
                "maxDistance": GraphQLField(type: GraphQLFloat),
                "count": GraphQLField(type: GraphQLInt),
                "hits": GraphQLField(type: GraphQLList(hits)),
            ])
        var named: GraphQLFieldMap = [:]
        if !cls.vectorNames.isEmpty {
            // Weaviate ≥ 1.24: `vectors { <name> … }`, one field per named vector.
            var fields: GraphQLFieldMap = [:]
            for vector in cls.vectorNames { fields[vector] = GraphQLField(type: GraphQLList(GraphQLFloat)) }
            named["vectors"] = GraphQLField(type: try GraphQLObjectType(name: "\(name)AdditionalVectors", fields: fields))
        }
        return try GraphQLObjectType(
            name: "\(name)AdditionalObj",
            fields: named.merging([
                "id": GraphQLField(type: GraphQLString),
                "vector": GraphQLField(type: GraphQLList(GraphQLFloat)),
                "distance": GraphQLField(type: GraphQLFloat),
                "certainty": GraphQLField(type: GraphQLFloat),
                "creationTimeUnix": GraphQLField(type: GraphQLString),
                "lastUpdateTimeUnix": GraphQLField(type: GraphQLString),
                "score": GraphQLField(type: GraphQLString),
                "explainScore": GraphQLField(type: GraphQLString),
                "classification": GraphQLField(type: classification),
                "group": GraphQLField(type: group),
                "isConsistent": GraphQLField(type: GraphQLBoolean),
            ]) { a, _ in a }
        )
    }

    /// `prefix`: the GraphQL type name prefix of the property's own types (a nested property extends its
    /// object's, so every object type name is unique).
    private func field(for property: PropertyDefinition, of cls: ClassDefinition, prefix outer: String? = nil) throws -> GraphQLField? {
        guard let kind = property.kind else { return nil }
        let prefix = (outer ?? cls.className) + capitalized(property.name)
        switch kind {
        case .text, .date, .uuid, .blob: return GraphQLField(type: GraphQLString)
        case .int: return GraphQLField(type: GraphQLInt, resolve: ResultValues.int32OrNull)
        case .number: return GraphQLField(type: GraphQLFloat)
        case .boolean: return GraphQLField(type: GraphQLBoolean)
        case .textArray, .dateArray, .uuidArray: return GraphQLField(type: GraphQLList(GraphQLString))
        case .intArray: return GraphQLField(type: GraphQLList(GraphQLInt), resolve: ResultValues.intItems)
        case .numberArray: return GraphQLField(type: GraphQLList(GraphQLFloat))
        case .booleanArray: return GraphQLField(type: GraphQLList(GraphQLBoolean))
        case .object, .objectArray:
            // Weaviate ≥ 1.22: an object type with one field per nested property, selected like any object.
            var fields: GraphQLFieldMap = [:]
            for nested in property.nestedProperties ?? [] {
                if let f = try field(for: nested, of: cls, prefix: prefix) { fields[nested.name] = f }
            }
            guard !fields.isEmpty else { return nil }
            let type = try GraphQLObjectType(name: "\(prefix)Object", fields: fields)
            return GraphQLField(type: kind == .object ? type : GraphQLList(type))
        case .geoCoordinates:
            return GraphQLField(type: try GraphQLObjectType(
                name: "\(prefix)GeoCoordinatesObj",
                fields: ["latitude": GraphQLField(type: GraphQLFloat), "longitude": GraphQLField(type: GraphQLFloat)]))
        case .phoneNumber:
            return GraphQLField(type: try GraphQLObjectType(
                name: "\(prefix)PhoneNumberObj",
                fields: [
                    "input": GraphQLField(type: GraphQLString),
                    "internationalFormatted": GraphQLField(type: GraphQLString),
                    "defaultCountry": GraphQLField(type: GraphQLString),
                    "countryCode": GraphQLField(type: GraphQLInt, resolve: ResultValues.int32OrNull),
                    // Many national numbers (ten digits from 2,147,483,648 on) do not fit: null, as in Weaviate.
                    "national": GraphQLField(type: GraphQLInt, resolve: ResultValues.int32OrNull),
                    "nationalFormatted": GraphQLField(type: GraphQLString),
                    // Stored only when true (see PhoneNumberValues); Weaviate's resolver answers false.
                    "valid": GraphQLField(type: GraphQLBoolean, resolve: { source, _, _, _ in
                        (source as? [String: any Sendable])?["valid"] as? Bool ?? false
                    }),
                ]))
        case .reference(let targets):
            let members = targets.compactMap { classTypes[$0] }
            guard !members.isEmpty else { return nil }
            let union = try GraphQLUnionType(
                name: "\(prefix)Obj",
                resolveType: { value, _ in (value as? ObjectSource)?.object.className ?? "" },
                types: members)
            let backend = self.backend
            let name = property.name
            return GraphQLField(type: GraphQLList(union), resolve: { source, _, _, info in
                try QueryBudget.check()
                guard let source = source as? ObjectSource,
                      case .array(let refs)? = source.object.properties[name] else { return nil }
                let beacons = refs.compactMap { $0["beacon"]?.stringValue }
                let wantsVector = SelectionReader.grandchildNames(info.fieldASTs, child: "_additional",
                                                                  fragments: info.fragments).contains("vector")
                let objects = try await QueryBudget.lookup(beacons: beacons.count, info: info) {
                    try await backend.referencedObjects(beacons: beacons, targetClasses: targets, includeVector: wantsVector,
                                                        tenant: source.object.tenant)
                }
                return objects.map { ObjectSource(object: $0) as (any Sendable)? }
            })
        }
    }

    /// The Get field of one class with its arguments and the resolver running the query.
    func getField(for cls: ClassDefinition, modules: [any NearSearchVectorizer], sortOrder: GraphQLEnumType,
                  targetTypes: TargetTypes) throws -> GraphQLField {
        guard let type = classTypes[cls.className] else { throw ArgumentError("unknown class \(cls.className)") }
        let prefix = "GetObjects\(cls.className)"
        let targets = try TargetFields(targetTypes, prefix: prefix)
        var args: GraphQLArgumentConfigMap = [
            "where": GraphQLArgument(type: try InputTypes.whereFilter(prefix: prefix)),
            "limit": GraphQLArgument(type: GraphQLInt),
            "offset": GraphQLArgument(type: GraphQLInt),
            "after": GraphQLArgument(type: GraphQLString),
            "autocut": GraphQLArgument(type: GraphQLInt),
            "tenant": GraphQLArgument(type: GraphQLString),
            "sort": GraphQLArgument(type: GraphQLList(try InputTypes.sort(prefix: prefix, order: sortOrder))),
            "nearVector": GraphQLArgument(type: try InputTypes.nearVector(prefix: prefix, targets: targets)),
            "nearObject": GraphQLArgument(type: try InputTypes.nearObject(prefix: prefix, targets: targets)),
            "bm25": GraphQLArgument(type: try InputTypes.bm25(prefix: prefix)),
            "hybrid": GraphQLArgument(type: try InputTypes.hybrid(prefix: prefix, targets: targets)),
            "groupBy": GraphQLArgument(type: try InputTypes.groupBy(prefix: prefix)),
            "group": GraphQLArgument(type: try InputTypes.group(prefix: prefix)),
            "consistencyLevel": GraphQLArgument(type: try InputTypes.consistencyLevel(className: cls.className)),
        ]
        for kind in moduleArguments(for: cls, modules: modules) {
            args[kind.rawValue] = GraphQLArgument(type: try InputTypes.moduleArgument(kind, prefix: prefix, targets: targets))
        }
        let backend = self.backend
        let className = cls.className
        return GraphQLField(type: GraphQLList(type), args: args, resolve: { _, args, context, info in
            try QueryBudget.check()
            var built = GetRequest(
                className: className,
                filter: try ArgumentParsing.whereFilter(args),
                limit: args[field: "limit"]?.asInt,
                offset: args[field: "offset"]?.asInt,
                after: args[field: "after"]?.asString,
                sort: ArgumentParsing.sort(args),
                near: try ArgumentParsing.near(args, context: context, info: info),
                bm25: ArgumentParsing.bm25(args),
                hybrid: try ArgumentParsing.hybrid(args, context: context, info: info),
                additional: SelectionReader.additional(info))
            built.tenant = args[field: "tenant"]?.asString.flatMap { $0.isEmpty ? nil : $0 }
            built.autocut = args[field: "autocut"]?.asInt
            built.groupBy = ArgumentParsing.groupBy(args)
            built.group = ArgumentParsing.group(args)
            built.consistencyLevel = args[field: "consistencyLevel"]?.asString.flatMap(ConsistencyLevel.init(rawValue:))
            built.needsProperties = !SelectionReader.childNames(info.fieldASTs, fragments: info.fragments)
                .subtracting(["_additional", "__typename"]).isEmpty
            let request = built
            let hits = try await QueryBudget.withSlot { try await backend.get(request) }
            let members = hits.flatMap { $0.group?.hits ?? [] }
            let vectors = (request.additional.vector ? hits.map(\.object).vectorComponents : 0)
                + (request.additional.groupHitVector ? members.map(\.object).vectorComponents : 0)
            try QueryBudget.charge(objects: hits.count + members.count, extra: vectors, info: info)
            let withCertainty = request.additional.certainty
            return hits.map {
                ObjectSource(object: $0.object, distance: $0.distance,
                             certainty: withCertainty ? $0.certainty : nil,
                             score: $0.score, explainScore: $0.explainScore, group: $0.group) as (any Sendable)?
            }
        })
    }
}

/// The property fields built per class while the schema is built (GraphQLSwift resolves the lazy field
/// closures then). @unchecked Sendable: `stored` is only touched under `lock`, held while a class's
/// fields are built so they are built once (building never re-enters the cache).
final class FieldCache: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String: GraphQLFieldMap] = [:]

    func fields(of className: String, build: () throws -> GraphQLFieldMap) rethrows -> GraphQLFieldMap {
        lock.lock()
        defer { lock.unlock() }
        if let built = stored[className] { return built }
        let built = try build()
        stored[className] = built
        return built
    }
}

/// The module arguments a class gets: those of the module that is its vectorizer.
func moduleArguments(for cls: ClassDefinition, modules: [any NearSearchVectorizer]) -> [ModuleNearArgumentKind] {
    ModuleNearArgumentKind.allCases.filter { kind in modules.contains { $0.offers(kind, on: cls) } }
}

extension [WeaviateObject] {
    /// Vector components the answer lists (each is a value GraphQLSwift completes on its own).
    var vectorComponents: Int { reduce(0) { $0 + ($1.vector?.count ?? 0) } }
}

func capitalized(_ s: String) -> String {
    guard let first = s.first else { return s }
    return first.uppercased() + s.dropFirst()
}
