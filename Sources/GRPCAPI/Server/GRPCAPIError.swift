// One error type for the gRPC layer: a status code and Weaviate's message. Database errors map onto it
// here, in one place, so every RPC reports the same code for the same failure.
import Database
import GRPCCore

struct GRPCAPIError: Error, Equatable, CustomStringConvertible {
    var code: RPCError.Code
    var message: String

    static func invalidArgument(_ m: String) -> GRPCAPIError { GRPCAPIError(code: .invalidArgument, message: m) }
    static func notFound(_ m: String) -> GRPCAPIError { GRPCAPIError(code: .notFound, message: m) }
    static func unimplemented(_ m: String) -> GRPCAPIError { GRPCAPIError(code: .unimplemented, message: m) }
    static func unauthenticated(_ m: String) -> GRPCAPIError { GRPCAPIError(code: .unauthenticated, message: m) }
    static func permissionDenied(_ m: String) -> GRPCAPIError { GRPCAPIError(code: .permissionDenied, message: m) }

    var description: String { "\(code): \(message)" }
    var rpcError: RPCError { RPCError(code: code, message: message) }

    /// The status for a Database failure. UNAVAILABLE is kept for a module that is not ready: the client
    /// retries it with backoff, so a request error must never use it.
    init(_ e: DatabaseError) {
        switch e.kind {
        case .badRequest, .unprocessable: self.init(code: .invalidArgument, message: e.message)
        case .notFound: self.init(code: .notFound, message: e.message)
        case .internal: self.init(code: .internalError, message: e.message)
        case .unavailable: self.init(code: .unavailable, message: e.message)
        }
    }

    init(code: RPCError.Code, message: String) { self.code = code; self.message = message }
}

/// Runs an RPC body and turns every error into the RPCError the transport sends.
func rpc<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let e as GRPCAPIError {
        throw e.rpcError
    } catch let e as DatabaseError {
        throw GRPCAPIError(e).rpcError
    } catch let e as RPCError {
        throw e
    } catch {
        throw RPCError(code: .internalError, message: "\(error)")
    }
}
