// What the GraphQL layer needs from the Database: the classes, the query engine, reference lookups and
// the modules that add near<Media> arguments. `Database` conforms; the protocol keeps resolvers small.
import Database

public protocol QueryBackend: Sendable {
    /// All classes, with Weaviate's defaults applied (the schema is rebuilt when they change).
    func classes() -> [ClassDefinition]
    /// The enabled modules that answer near<Media> arguments on the classes they vectorise.
    var nearSearchModules: [any NearSearchVectorizer] { get }

    func get(_ request: GetRequest) async throws -> [GetHit]
    func explore(_ request: ExploreRequest) async throws -> [ExploreHit]
    func aggregate(_ request: AggregateRequest) async throws -> [AggregateGroup]
    /// The objects a reference property points to, in beacon order (missing targets are skipped).
    /// `targetClasses` are the property's classes, used for beacons without a class segment; targets in
    /// multi-tenant classes are looked up in `tenant` (the referencing object's).
    func referencedObjects(beacons: [String], targetClasses: [String], includeVector: Bool, tenant: String?) async throws -> [WeaviateObject]
}

extension Database: QueryBackend {
    public func classes() -> [ClassDefinition] { schema() }
    public var nearSearchModules: [any NearSearchVectorizer] { modules.nearSearchVectorizers }
    public func get(_ request: GetRequest) async throws -> [GetHit] { try await getQuery(request) }
    public func explore(_ request: ExploreRequest) async throws -> [ExploreHit] { try await exploreQuery(request) }
    public func aggregate(_ request: AggregateRequest) async throws -> [AggregateGroup] { try await aggregateQuery(request) }
}
