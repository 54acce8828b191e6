import Hummingbird

/// CORS as Weaviate 1.19 answers it (adapters/handlers/rest/middlewares.go): every OPTIONS request is a
/// preflight answered with 200 before routing and authentication (browsers send preflights without
/// credentials), allowing any method and Weaviate's list of headers; other requests that carry an
/// `Origin` get `Access-Control-Allow-Origin` (rs/cors: only for GET, POST, PUT, PATCH, DELETE) and
/// every response `Vary: Origin`.
///
/// CORS_ALLOW_ORIGIN (the name later Weaviate versions use) restricts the origins: a listed origin is
/// echoed back, any other gets no `Access-Control-*` header at all, so a browser neither sends the
/// request nor lets the page read the answer. The server still answers non-browser clients: CORS
/// protects browser users, it does not authenticate.
public struct CORSPolicy: Sendable, Equatable {
    /// Weaviate 1.19.13's `Access-Control-Allow-Headers`.
    public static let allowHeaders =
        "Content-Type, Authorization, Batch, X-Openai-Api-Key, X-Cohere-Api-Key, X-Huggingface-Api-Key, X-Azure-Api-Key, X-Palm-Api-Key"
    static let actualRequestMethods: Set<String> = ["GET", "POST", "PUT", "PATCH", "DELETE"]

    /// Lower-cased allowed origins; nil allows every origin (`*`).
    public let allowedOrigins: Set<String>?

    /// `origins` as listed in CORS_ALLOW_ORIGIN; empty or containing `*` allows every origin.
    public init(allowedOrigins origins: [String] = ["*"]) {
        allowedOrigins = origins.isEmpty || origins.contains("*") ? nil : Set(origins.map { $0.lowercased() })
    }

    /// The `Access-Control-Allow-Origin` value for a request from `origin`, nil when not allowed.
    func allowOrigin(for origin: String?) -> String? {
        guard let allowedOrigins else { return "*" }
        guard let origin, allowedOrigins.contains(origin.lowercased()) else { return nil }
        return origin
    }

    func addPreflightHeaders(to headers: inout HTTPFields, origin: String?) {
        // With every origin allowed the answer does not depend on Origin (Weaviate sets `*` even without one).
        if allowedOrigins != nil { headers[.vary] = "Origin" }
        guard let allow = allowOrigin(for: origin) else { return }
        headers[.accessControlAllowOrigin] = allow
        headers[.accessControlAllowMethods] = "*"
        headers[.accessControlAllowHeaders] = Self.allowHeaders
    }

    func addResponseHeaders(to headers: inout HTTPFields, origin: String?, method: String) {
        headers[.vary] = "Origin"
        guard let origin, Self.actualRequestMethods.contains(method), let allow = allowOrigin(for: origin) else { return }
        headers[.accessControlAllowOrigin] = allow
    }
}
