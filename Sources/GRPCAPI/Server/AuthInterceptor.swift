// Authentication (API keys from `authorization: Bearer <key>` metadata) and the admin list for every
// Weaviate RPC, with the same Authenticator and Authorizer the REST API uses. The health check stays
// open, as Weaviate's does: the client calls it before any key could matter.
import Auth
import GRPCCore

struct AuthInterceptor: ServerInterceptor {
    let authenticator: Authenticator
    let authorizer: Authorizer

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        guard !context.isHealthCheck else {
            return try await next(request, context)
        }
        let header = request.metadata[stringValues: "authorization"].first(where: { _ in true })
        let token = Authenticator.bearerToken(authorizationHeader: header, accessTokenParameter: nil)
        let principal: Principal?
        switch authenticator.authenticate(bearerToken: token) {
        case .success(let p): principal = p
        case .failure(let f): throw RPCError(code: .unauthenticated, message: f.message)
        }
        let (verb, resource) = Self.permission(context.descriptor.method)
        if let message = authorizer.forbidden(principal, verb: verb, resource: resource) {
            throw RPCError(code: .permissionDenied, message: message)
        }
        return try await next(request, context)
    }

    /// The admin-list verb and resource of each RPC, as the REST routes doing the same work use.
    static func permission(_ method: String) -> (verb: String, resource: String) {
        switch method {
        case "BatchObjects", "BatchStream": return ("create", "batch/objects")
        case "BatchReferences": return ("update", "batch/*")
        case "BatchDelete": return ("delete", "batch/objects")
        case "TenantsGet": return ("get", "schema/*")
        default: return ("get", "traversal/*")  // Search, Aggregate: GraphQL's permission
        }
    }
}
