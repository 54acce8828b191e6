/// A small method + path-pattern table. Patterns read like Weaviate's swagger paths
/// (`/v1/objects/{className}/{id}`); the pattern is also the route's metrics label.
public struct RouteTable: Sendable {
    public typealias Handler = @Sendable (APIRequest) async throws -> APIResponse

    public struct Route: Sendable {
        public let method: String
        public let pattern: String
        let segments: [Segment]
        let handler: Handler
        var literalCount: Int { segments.filter { if case .literal = $0 { return true }; return false }.count }
    }

    enum Segment: Sendable {
        case literal(String)
        case parameter(String)
    }

    public enum Match {
        case found(Route, [String: String])
        /// The path exists, but not for this method (allowed methods listed).
        case methodNotAllowed([String])
        case notFound
    }

    private(set) var routes: [Route] = []

    public init() {}

    public mutating func add(_ method: String, _ pattern: String, _ handler: @escaping Handler) {
        let segments = pattern.split(separator: "/").map { s -> Segment in
            if s.hasPrefix("{") && s.hasSuffix("}") { return .parameter(String(s.dropFirst().dropLast())) }
            return .literal(String(s))
        }
        routes.append(Route(method: method, pattern: pattern, segments: segments, handler: handler))
        // Literal segments win over parameters (`/v1/schema/cluster-status` before `/v1/schema/{className}`).
        routes.sort { $0.literalCount > $1.literalCount }
    }

    public func match(method: String, path: String) -> Match {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map {
            String($0).removingPercentEncodingOrSelf
        }
        var allowed: [String] = []
        for route in routes where route.segments.count == parts.count {
            var parameters: [String: String] = [:]
            var ok = true
            for (segment, part) in zip(route.segments, parts) {
                switch segment {
                case .literal(let l): if l != part { ok = false }
                case .parameter(let name): parameters[name] = part
                }
                if !ok { break }
            }
            guard ok else { continue }
            if route.method == method { return .found(route, parameters) }
            if !allowed.contains(route.method) { allowed.append(route.method) }
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed)
    }
}

import Foundation

extension String {
    var removingPercentEncodingOrSelf: String { removingPercentEncoding ?? self }
}
