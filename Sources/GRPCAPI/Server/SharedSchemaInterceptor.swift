// Several Iris nodes on one PostgreSQL: before an RPC runs, this node catches up with a schema change
// another node has acknowledged but not yet announced here (`Database.catchUpWithSharedSchema`), as the
// REST server does before each request. Nothing happens on the embedded engine.
import Database
import GRPCCore

struct SharedSchemaInterceptor: ServerInterceptor {
    let database: Database

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        if !context.isHealthCheck {
            await database.catchUpWithSharedSchema()
        }
        return try await next(request, context)
    }
}

extension ServerContext {
    /// The standard health service, which the interceptors let through untouched (the client calls it
    /// before any key or schema could matter).
    var isHealthCheck: Bool { descriptor.service.fullyQualifiedService == "grpc.health.v1.Health" }
}
