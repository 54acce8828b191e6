/// An error with the HTTP-ish kind the REST layer maps to a status code and Weaviate's exact message text.
///
/// The REST layer renders it as `{"error":[{"message": message}]}` with `kind.httpStatus`
/// (except `notFound`, which Weaviate answers with an empty body).
public struct DatabaseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// 400, e.g. `could not find class 'X'` on DELETE /v1/schema/{class}.
        case badRequest
        /// 404 (no body in Weaviate).
        case notFound
        /// 422: validation failures, "already exists", bad filters.
        case unprocessable
        /// 500: storage or vectorizer failures.
        case `internal`
        /// 503: e.g. a vectorizer module that is not ready.
        case unavailable

        public var httpStatus: Int {
            switch self {
            case .badRequest: return 400
            case .notFound: return 404
            case .unprocessable: return 422
            case .internal: return 500
            case .unavailable: return 503
            }
        }
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var httpStatus: Int { kind.httpStatus }
    public var description: String { message }

    static func unprocessable(_ m: String) -> DatabaseError { DatabaseError(.unprocessable, m) }
    static func badRequest(_ m: String) -> DatabaseError { DatabaseError(.badRequest, m) }
    static func notFound(_ m: String) -> DatabaseError { DatabaseError(.notFound, m) }
    static func `internal`(_ m: String) -> DatabaseError { DatabaseError(.internal, m) }
}
