import Auth
import Database
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Weaviate v1.19's REST API over a `Database`: routing, authentication, body decoding and error
/// mapping. Logic lives in the Database; this layer only translates.
public final class RESTServer: Sendable {
    public let configuration: RESTConfiguration
    public let database: Database
    public let metrics: RESTMetrics?
    let graphQL: GraphQLProvider?
    let logger: Logger
    private let routes: RouteTable

    public init(
        configuration: RESTConfiguration, database: Database, graphQL: GraphQLProvider?,
        metrics: RESTMetrics?, logger: Logger
    ) {
        self.configuration = configuration
        self.database = database
        self.graphQL = graphQL
        self.metrics = metrics
        self.logger = logger
        var table = RouteTable()
        RESTServer.registerRoutes(into: &table, database: database, configuration: configuration, graphQL: graphQL)
        self.routes = table
    }

    /// The Hummingbird responder serving this API.
    public var responder: some HTTPResponder<BasicRequestContext> {
        CallbackResponder { request, _ in await self.respond(to: request) }
    }

    func respond(to request: Request) async -> Response {
        let started = ContinuousClock.now
        let method = request.method.rawValue
        let path = request.uri.path
        let origin = request.headers[.origin]
        if request.method == .options {
            // Weaviate answers every OPTIONS as a CORS preflight, before routing and authentication.
            var headers: HTTPFields = [.contentLength: "0"]
            configuration.cors.addPreflightHeaders(to: &headers, origin: origin)
            metrics?.record(method: method, route: "preflight", status: 200, seconds: 0)
            return Response(status: .ok, headers: headers)
        }
        var label = "unmatched"
        let answer = await dispatch(request, method: method, path: path, label: &label)
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        metrics?.record(method: method, route: label, status: answer.status, seconds: seconds)
        if answer.status >= 500 {
            logger.error("request failed", metadata: [
                "method": "\(method)", "path": "\(path)", "status": "\(answer.status)",
                "body": "\(String(decoding: answer.body.prefix(500), as: UTF8.self))",
            ])
        } else {
            logger.debug("request", metadata: ["method": "\(method)", "path": "\(path)", "status": "\(answer.status)"])
        }
        var response = Self.makeResponse(answer, isHead: request.method == .head)
        configuration.cors.addResponseHeaders(to: &response.headers, origin: origin, method: method)
        return response
    }

    private func dispatch(_ request: Request, method: String, path: String, label: inout String) async -> APIResponse {
        // Served before authentication (Weaviate's `addLiveAndReadyness` and swagger's unauthenticated paths).
        if let answer = await unauthenticated(method: method, path: path, ifNoneMatch: request.headers[.ifNoneMatch], label: &label) {
            return answer
        }

        let route: RouteTable.Route
        let parameters: [String: String]
        switch routes.match(method: method, path: path) {
        case .found(let r, let p): (route, parameters) = (r, p)
        case .methodNotAllowed(let allowed):
            label = "method-not-allowed"
            return .swaggerError(405, "method \(method) is not allowed, but [\(allowed.joined(separator: ","))] are")
        case .notFound:
            return .swaggerError(404, "path \(path) was not found")
        }
        label = route.pattern

        let query = parseQuery(request.uri.query)
        let token = Authenticator.bearerToken(
            authorizationHeader: request.headers[.authorization], accessTokenParameter: query["access_token"])
        let principal: Principal?
        switch configuration.authenticator.authenticate(bearerToken: token) {
        case .success(let p): principal = p
        case .failure(let failure): return .swaggerError(401, failure.message)
        }

        var body: [UInt8] = []
        if method != "GET" && method != "HEAD" {
            let length = request.headers[.contentLength].flatMap(Int.init)
            if let length, length > configuration.maxBodyBytes { return bodyTooLarge() }
            // Straight into one array sized from Content-Length: collecting into a growing ByteBuffer
            // and copying it out held the body up to three times over.
            body.reserveCapacity(max(length ?? 0, 0))
            do {
                for try await part in request.body {
                    guard part.readableBytes <= configuration.maxBodyBytes - body.count else { return bodyTooLarge() }
                    part.withUnsafeReadableBytes { body.append(contentsOf: $0) }
                }
            } catch {
                return .swaggerError(400, "reading request body failed: \(error)")
            }
        }

        var headers: [String: String] = [:]
        for field in request.headers where headers[field.name.canonicalName] == nil {
            headers[field.name.canonicalName] = field.value
        }
        let apiRequest = APIRequest(
            method: method, path: path, pathParameters: parameters, query: query, body: body, principal: principal,
            headers: headers)
        await database.catchUpWithSharedSchema()
        do {
            return try await route.handler(apiRequest)
        } catch let error as DatabaseError {
            return Self.response(for: error)
        } catch let error as APIError {
            return error.response
        } catch {
            // Not one of ours: its text may hold internals, so the client gets an id to quote instead.
            let id = String(UInt32.random(in: 0...UInt32.max), radix: 16)
            logger.error("unexpected error", metadata: ["errorID": "\(id)", "error": "\(error)"])
            return .error(500, "internal error (error id \(id))")
        }
    }

    private func unauthenticated(method: String, path: String, ifNoneMatch: String?, label: inout String) async -> APIResponse? {
        guard method == "GET" || method == "HEAD" else { return nil }
        switch path {
        case "/", "":
            label = "/"
            return APIResponse(status: 301, location: "/v1")
        case "/v1", "/v1/":
            label = "/v1"
            return .json(200, MetaRoutes.rootLinks)
        case "/v1/.well-known/live":
            label = path
            return .empty(200)
        case "/v1/.well-known/ready":
            // Not ready while the store refuses writes (read-only or full disk, damage): a load balancer
            // then sends clients to a node that can take them. The reason is in the log and /v1/nodes.
            label = path
            return .empty(database.storageCondition.isWritable ? 200 : 503)
        case "/v1/.well-known/openid-configuration":
            label = path
            return .empty(404)  // Iris has no OIDC
        default:
            // The console's files hold no data (it reads everything through the API with the user's key).
            if let answer = ConsoleRoutes.staticFile(path: path, ifNoneMatch: ifNoneMatch) {
                label = "/console"
                return answer
            }
            return nil
        }
    }

    private func bodyTooLarge() -> APIResponse {
        .swaggerError(413, "request body too large: the limit is \(configuration.maxBodyBytes) bytes (IRIS_MAX_BODY_BYTES)")
    }

    /// Weaviate answers a missing object or class with 404 and no body.
    static func response(for error: DatabaseError) -> APIResponse {
        if error.kind == .notFound { return .empty(404) }
        return .error(error.httpStatus, error.message)
    }

    /// The metrics port (PROMETHEUS_MONITORING_PORT) serves only `/metrics`, like Weaviate's
    /// promhttp mux; anything else is Go's plain 404.
    var metricsResponder: some HTTPResponder<BasicRequestContext> {
        CallbackResponder { request, _ in
            guard request.uri.path == "/metrics", let metrics = self.metrics else {
                return Response(status: .notFound, headers: [.contentType: "text/plain; charset=utf-8"],
                                body: ResponseBody(byteBuffer: ByteBuffer(string: "404 page not found\n")))
            }
            if let counts = try? await self.database.objectCounts() {
                metrics.updateObjectCounts(counts)
            }
            return Self.makeResponse(
                APIResponse(status: 200, body: metrics.render(), contentType: "text/plain; version=0.0.4; charset=utf-8"),
                isHead: request.method == .head)
        }
    }

    /// Bodies above this are written in pieces of this size, not copied whole into one ByteBuffer.
    static let responseChunkBytes = 1 << 20

    static func makeResponse(_ answer: APIResponse, isHead: Bool) -> Response {
        var headers = HTTPFields()
        if !answer.body.isEmpty { headers[.contentType] = answer.contentType }
        if let location = answer.location { headers[.location] = location }
        for (name, value) in answer.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        if isHead || answer.body.isEmpty {
            // A 304 carries no length: a cache must keep the stored response's Content-Length.
            if answer.status != 304 { headers[.contentLength] = "0" }
            return Response(status: .init(code: answer.status), headers: headers)
        }
        let bytes = answer.body
        guard bytes.count > responseChunkBytes else {
            return Response(status: .init(code: answer.status), headers: headers,
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        return Response(
            status: .init(code: answer.status), headers: headers,
            body: ResponseBody(contentLength: bytes.count) { writer in
                var start = 0
                while start < bytes.count {
                    let end = min(start + responseChunkBytes, bytes.count)
                    try await writer.write(ByteBuffer(bytes: bytes[start..<end]))
                    start = end
                }
                try await writer.finish(nil)
            })
    }
}

/// Decodes a request body as JSON with the configured depth and value limits; parse failures are 400s.
func parseBody(_ request: APIRequest, maxDepth: Int, maxValues: Int) throws -> JSONValue {
    if request.body.isEmpty { throw APIError.requiredBody }
    do {
        return try JSONValue.parse(bytes: request.body, maxDepth: maxDepth, maxValues: maxValues)
    } catch let failure as JSONParseError {
        throw APIError.unparsableBody(failure.message)
    } catch let failure as JSONTooManyValuesError {
        throw APIError.tooManyValues(limit: failure.limit)
    }
}
