import Auth
import Database
import Foundation

/// What a route handler sees of a request: path parameters, query, the parsed body and the caller.
public struct APIRequest: Sendable {
    public var method: String
    public var path: String
    public var pathParameters: [String: String]
    public var query: [String: String]
    /// Raw body bytes (empty when the request had none).
    public var body: [UInt8]
    public var principal: Principal?
    /// Request headers by lower-cased name (a repeated header keeps its first value).
    public var headers: [String: String] = [:]

    public func parameter(_ name: String) -> String { pathParameters[name] ?? "" }
}

/// A handler's answer. Bodies are pre-encoded JSON (or empty).
public struct APIResponse: Sendable {
    public var status: Int
    public var body: [UInt8]
    /// Content-Type of a non-empty body.
    public var contentType: String
    /// The Location header of a redirect.
    public var location: String?
    /// Further headers (ETag, Cache-Control, Content-Security-Policy …), by name.
    public var headers: [String: String]

    public init(status: Int, body: [UInt8] = [], contentType: String = "application/json", location: String? = nil,
                headers: [String: String] = [:]) {
        self.status = status
        self.body = body
        self.contentType = contentType
        self.location = location
        self.headers = headers
    }

    public static func json(_ status: Int, _ value: JSONValue) -> APIResponse {
        APIResponse(status: status, body: JSONWriter.encode(value))
    }

    public static func json(_ status: Int, writer: JSONWriter) -> APIResponse {
        APIResponse(status: status, body: writer.bytes)
    }

    public static func empty(_ status: Int) -> APIResponse { APIResponse(status: status) }

    /// Weaviate's usual error body: `{"error":[{"message":"…"}]}`.
    public static func error(_ status: Int, _ message: String) -> APIResponse {
        json(status, ["error": [["message": .string(message)]]])
    }

    /// go-swagger's error body, used by Weaviate for authentication failures, unknown paths and
    /// request bodies it cannot bind: `{"code":<n>,"message":"…"}`.
    public static func swaggerError(_ status: Int, _ message: String) -> APIResponse {
        json(status, ["code": .int(Int64(status)), "message": .string(message)])
    }
}

/// Errors the HTTP layer raises while reading a request; mapped to responses in one place.
public enum APIError: Error {
    /// The body is not JSON, or not of the JSON types the operation takes
    /// (Weaviate: 400 `parsing body body from "" failed, because <reason>`).
    case unparsableBody(String)
    /// go-swagger's parameter validation (422, with go-openapi's code: 601 wrong type, 602 required).
    case swaggerValidation(code: Int, message: String)
    /// 422 with Weaviate's usual error shape.
    case unprocessable(String)
    /// 403.
    case forbidden(String)
    /// 413: more JSON values than IRIS_MAX_BODY_VALUES.
    case tooManyValues(limit: Int)

    var response: APIResponse {
        switch self {
        case .unparsableBody(let reason):
            return .swaggerError(400, "parsing body body from \"\" failed, because \(reason)")
        case .swaggerValidation(let code, let message):
            return .json(422, ["code": .int(Int64(code)), "message": .string(message)])
        case .unprocessable(let message):
            return .error(422, message)
        case .forbidden(let message):
            return .error(403, message)
        case .tooManyValues(let limit):
            return .swaggerError(413, "request body too large: it holds more than \(limit) JSON values (IRIS_MAX_BODY_VALUES)")
        }
    }
}

extension APIError {
    /// `<name> in <location> must be of type <type>: "<value>"` (go-openapi `InvalidType`).
    static func invalidType(_ name: String, in location: String, type: String, value: String) -> APIError {
        .swaggerValidation(code: 601, message: "\(name) in \(location) must be of type \(type): \"\(value)\"")
    }

    /// `body in body is required` (an empty body where one is required).
    static let requiredBody = APIError.swaggerValidation(code: 602, message: "body in body is required")
}

/// Splits and percent-decodes a query string (`a=1&b=x%20y`, `+` is a space).
func parseQuery(_ query: String?) -> [String: String] {
    guard let query, !query.isEmpty else { return [:] }
    var result: [String: String] = [:]
    for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
        let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        func decode(_ s: Substring) -> String {
            let spaced = s.replacingOccurrences(of: "+", with: " ")
            return spaced.removingPercentEncoding ?? spaced
        }
        let key = decode(parts[0])
        if result[key] == nil { result[key] = parts.count > 1 ? decode(parts[1]) : "" }
    }
    return result
}
