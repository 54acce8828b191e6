// `grpc.health.v1.Health/Check`: weaviate-client calls it once at connect and refuses a server that
// does not answer SERVING. The server only listens once the database is open, so SERVING is the truth.
import GRPCCore

struct HealthService: Grpc_Health_V1_Health.SimpleServiceProtocol {
    func check(request: Grpc_Health_V1_HealthCheckRequest, context: ServerContext) async throws -> Grpc_Health_V1_HealthCheckResponse {
        // "" is the whole server; the one named service is Weaviate's.
        guard request.service.isEmpty || request.service == "weaviate.v1.Weaviate" else {
            throw RPCError(code: .notFound, message: "unknown service \(request.service)")
        }
        var response = Grpc_Health_V1_HealthCheckResponse()
        response.status = .serving
        return response
    }
}
