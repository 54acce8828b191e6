/// Authorization as Weaviate 1.19's admin list (`usecases/auth/authorization/adminlist`):
/// admins may do everything, read-only users only `get` and `list`, everyone else nothing.
/// With the admin list disabled every authenticated principal may do everything.
public struct Authorizer: Sendable {
    public let enabled: Bool
    private let admins: Set<String>
    private let readOnly: Set<String>

    public static let disabled = try! Authorizer(enabled: false, admins: [], readOnly: [])

    public init(enabled: Bool, admins: [String], readOnly: [String]) throws {
        self.enabled = enabled
        self.admins = Set(admins)
        self.readOnly = Set(readOnly)
        if enabled {
            if let both = admins.first(where: { self.readOnly.contains($0) }) {
                throw ConfigurationError(
                    "AUTHORIZATION_ADMINLIST_READONLY_USERS: user '\(both)' cannot be both an admin and a read-only user")
            }
        }
    }

    /// nil when allowed; otherwise Weaviate's 403 message.
    public func forbidden(_ principal: Principal?, verb: String, resource: String) -> String? {
        guard enabled else { return nil }
        // A nil principal is the user "anonymous" (which the lists may name).
        let user = principal?.username ?? "anonymous"
        if admins.contains(user) { return nil }
        if readOnly.contains(user) && (verb == "get" || verb == "list") { return nil }
        return "forbidden: user '\(user)' has insufficient permissions to \(verb) \(resource)"
    }
}
