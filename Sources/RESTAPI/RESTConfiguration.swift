import Auth
import Database
import Foundation

/// Everything the HTTP layer needs besides the Database.
public struct RESTConfiguration: Sendable {
    /// The `/v1/meta` version string: `ServerVersion.weaviate` (Database), shared with the gRPC API.
    public static let weaviateVersion = ServerVersion.weaviate
    /// Room for the default 256 MiB body of vectors (~22 M components of 12 characters).
    public static let defaultMaxBodyValues = 25_000_000

    public var authenticator: Authenticator
    public var authorizer: Authorizer
    /// IRIS_MAX_BODY_BYTES: larger request bodies get 413.
    public var maxBodyBytes: Int
    /// Deeper JSON bodies are rejected as unparsable (protects the parser's stack).
    public var maxJSONDepth: Int
    /// IRIS_MAX_BODY_VALUES: bodies with more JSON values (numbers, strings, arrays, objects …) get 413.
    /// The body-size limit alone does not bound memory: each value is 16+ bytes once parsed, 8 times the
    /// 2 bytes of a `1,`.
    public var maxBodyValues: Int
    /// `/v1/meta` `hostname`, e.g. `http://[::]:8080`.
    public var metaHostname: String
    /// CLUSTER_HOSTNAME: the node's name in `/v1/nodes` and shard names.
    public var nodeName: String
    /// Added to `/v1` links and logs (`http` or `https`).
    public var scheme: String
    /// CORS_ALLOW_ORIGIN: the origins browsers may call from (default any).
    public var cors: CORSPolicy

    public init(
        authenticator: Authenticator,
        authorizer: Authorizer = .disabled,
        maxBodyBytes: Int = 256 << 20,
        maxJSONDepth: Int = JSONValue.defaultMaxDepth,
        maxBodyValues: Int = RESTConfiguration.defaultMaxBodyValues,
        metaHostname: String = "http://[::]:8080",
        nodeName: String = "node1",
        scheme: String = "http",
        cors: CORSPolicy = CORSPolicy()
    ) {
        self.authenticator = authenticator
        self.authorizer = authorizer
        self.maxBodyBytes = maxBodyBytes
        self.maxJSONDepth = maxJSONDepth
        self.maxBodyValues = maxBodyValues
        self.metaHostname = metaHostname
        self.nodeName = nodeName
        self.scheme = scheme
        self.cors = cors
    }
}

/// Answers `POST /v1/graphql` for one query body (or `/v1/graphql/batch` for an array of them); wired by the serve command to GraphQLAPI.
/// Takes the body as the REST layer parsed it (once: a nearImage body is mostly its base64 image) and returns
/// the HTTP status and the JSON body to send. `/v1/graphql/batch` takes the same handler shape with a JSON array body.
public typealias GraphQLHandler = @Sendable (_ body: JSONValue, _ principal: Principal?) async -> (status: Int, body: Data)

/// The GraphQL endpoints' implementation, injected by the serve command (nil until GraphQL is wired:
/// both endpoints then answer 422 "no graphql provider present…").
public struct GraphQLProvider: Sendable {
    public var query: GraphQLHandler
    /// nil: the REST layer runs each query of a batch through `query`.
    public var batch: GraphQLHandler?

    public init(query: @escaping GraphQLHandler, batch: GraphQLHandler? = nil) {
        self.query = query
        self.batch = batch
    }
}
