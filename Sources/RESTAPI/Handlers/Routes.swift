import Database

/// The shared pieces every route handler uses: the database, the settings, and the admin-list check.
struct RouteContext: Sendable {
    let database: Database
    let configuration: RESTConfiguration
    let graphQL: GraphQLProvider?

    /// Throws 403 unless the caller may `verb` the `resource` (Weaviate's verbs and resource paths).
    func authorize(_ request: APIRequest, _ verb: String, _ resource: String) throws {
        if let message = configuration.authorizer.forbidden(request.principal, verb: verb, resource: resource) {
            throw APIError.forbidden(message)
        }
    }

    func body(_ request: APIRequest) throws -> JSONValue {
        try parseBody(request, maxDepth: configuration.maxJSONDepth, maxValues: configuration.maxBodyValues)
    }

    /// A `{id}` path parameter, checked as go-swagger checks `format: uuid`.
    func uuidParameter(_ request: APIRequest, _ name: String = "id") throws -> String {
        let id = request.parameter(name)
        guard ValueFormats.isUUID(id) else { throw APIError.invalidType(name, in: "path", type: "uuid", value: id) }
        return id
    }

    /// An optional int64 query parameter.
    func intQuery(_ request: APIRequest, _ name: String) throws -> Int? {
        guard let raw = request.query[name], !raw.isEmpty else { return nil }
        guard let v = Int(raw) else { throw APIError.invalidType(name, in: "query", type: "int64", value: raw) }
        return v
    }

    /// `?tenant=`: the tenant of a request on a multi-tenant class (nil when absent or empty).
    func tenant(_ request: APIRequest) -> String? {
        request.query["tenant"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `?consistency_level=ONE|QUORUM|ALL` on object and batch requests: checked (400 with Weaviate's
    /// message otherwise) and then met by this one node.
    @discardableResult
    func consistencyLevel(_ request: APIRequest) throws -> ConsistencyLevel? {
        try ConsistencyLevel.parse(request.query["consistency_level"])
    }

    /// `include=vector,classification`: whether the vector is asked for.
    func includesVector(_ request: APIRequest) -> Bool {
        guard let include = request.query["include"] else { return false }
        return include.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == "vector" }
    }
}

extension RESTServer {
    static func registerRoutes(
        into table: inout RouteTable, database: Database, configuration: RESTConfiguration, graphQL: GraphQLProvider?
    ) {
        let context = RouteContext(database: database, configuration: configuration, graphQL: graphQL)
        MetaRoutes.register(into: &table, context)
        SchemaRoutes.register(into: &table, context)
        ObjectRoutes.register(into: &table, context)
        ReferenceRoutes.register(into: &table, context)
        BatchRoutes.register(into: &table, context)
        GraphQLRoutes.register(into: &table, context)
        ConsoleRoutes.register(into: &table, context)
    }
}

import Foundation
