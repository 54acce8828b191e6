/// The authenticated caller of a request. `nil` principals are anonymous requests
/// (allowed only with AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED).
public struct Principal: Sendable, Equatable {
    public var username: String
    public var groups: [String]

    public init(username: String, groups: [String] = []) {
        self.username = username
        self.groups = groups
    }
}

/// A start-up configuration problem; the message names the environment variable at fault.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
