// Builds the whole GraphQL schema from the classes at run time: root `WeaviateObj` with
// `Get`, `Aggregate` and (unless several near<Media> modules compete) `Explore`.
import Database
import GraphQL

public enum SchemaBuilder {
    /// Thrown when the classes cannot form a schema (Weaviate: no classes, no provider).
    public struct NoClasses: Error {}

    public static func build(classes: [ClassDefinition], backend: any QueryBackend,
                             modules: [any NearSearchVectorizer]) throws -> GraphQLSchema {
        guard !classes.isEmpty else { throw NoClasses() }
        let getTypes = try GetTypes(backend: backend, classes: classes)
        let sortOrder = try InputTypes.sortOrderEnum()
        let targetTypes = try TargetTypes()
        var getFields: GraphQLFieldMap = [:]
        var aggregateFields: GraphQLFieldMap = [:]
        for cls in classes {
            getFields[cls.className] = try getTypes.getField(for: cls, modules: modules, sortOrder: sortOrder, targetTypes: targetTypes)
            aggregateFields[cls.className] = try AggregateSchema.field(for: cls, backend: backend, modules: modules)
        }
        let passThrough: GraphQLFieldResolve = { _, _, _, _ in [String: any Sendable]() }
        var root: GraphQLFieldMap = [
            "Get": GraphQLField(type: try GraphQLObjectType(name: "GetObjectsObj", fields: getFields),
                                resolve: passThrough),
            "Aggregate": GraphQLField(type: try GraphQLObjectType(name: "AggregateObjectsObj", fields: aggregateFields),
                                      resolve: passThrough),
        ]
        // Weaviate leaves Explore out when more than one vectorizer module is enabled.
        if modules.count <= 1 {
            root["Explore"] = try ExploreSchema.field(backend: backend, modules: modules)
        }
        let schema = try GraphQLSchema(query: try GraphQLObjectType(name: "WeaviateObj", fields: root))
        let problems = validateSchema(schema: schema)
        guard problems.isEmpty else {
            throw ArgumentError("invalid GraphQL schema: " + problems.map(\.message).joined(separator: "; "))
        }
        return schema
    }
}
