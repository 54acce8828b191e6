// The gRPC listener: Weaviate's service and the health check over HTTP/2 (plaintext, as Weaviate
// serves it by default), on its own port beside the REST server.
import Auth
import Database
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Logging

/// What the gRPC server needs besides the Database.
public struct GRPCConfiguration: Sendable {
    public var host: String
    /// GRPC_PORT (Weaviate's default 50051); 0 picks a free port.
    public var port: Int
    public var authenticator: Authenticator
    public var authorizer: Authorizer
    /// GRPC_MAX_MESSAGE_SIZE: the largest request accepted (Weaviate's default, 104858000 bytes, is also
    /// the client's default send limit, so a full batch is never refused for its size).
    public var maxMessageBytes: Int

    public static let defaultPort = 50051
    public static let defaultMaxMessageBytes = 104_858_000

    public init(host: String, port: Int = GRPCConfiguration.defaultPort, authenticator: Authenticator,
                authorizer: Authorizer = .disabled, maxMessageBytes: Int = GRPCConfiguration.defaultMaxMessageBytes) {
        self.host = host; self.port = port; self.authenticator = authenticator; self.authorizer = authorizer
        self.maxMessageBytes = maxMessageBytes
    }
}

/// Serves `weaviate.v1.Weaviate` and `grpc.health.v1.Health` for one Database.
public final class IrisGRPCServer: Sendable {
    private let server: GRPCServer<HTTP2ServerTransport.Posix>
    private let transport: HTTP2ServerTransport.Posix

    public init(configuration c: GRPCConfiguration, database: Database) {
        var config = HTTP2ServerTransport.Posix.Config.defaults
        config.rpc.maxRequestPayloadSize = c.maxMessageBytes
        let address: SocketAddress = c.host.contains(":") ? .ipv6(host: c.host, port: c.port) : .ipv4(host: c.host, port: c.port)
        transport = HTTP2ServerTransport.Posix(address: address, transportSecurity: .plaintext,
                                               config: config)
        server = GRPCServer(
            transport: transport,
            services: [WeaviateService(database: database), HealthService()],
            interceptors: [AuthInterceptor(authenticator: c.authenticator, authorizer: c.authorizer),
                           SharedSchemaInterceptor(database: database)])
    }

    /// Serves until `beginGracefulShutdown()` (then in-flight RPCs finish) or cancellation.
    public func serve() async throws { try await server.serve() }

    /// The bound port, once listening (throws if binding failed).
    public func listeningPort() async throws -> Int {
        let address = try await transport.listeningAddress
        if let v4 = address.ipv4 { return v4.port }
        if let v6 = address.ipv6 { return v6.port }
        return 0
    }

    public func beginGracefulShutdown() { server.beginGracefulShutdown() }
}
