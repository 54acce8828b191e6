import Foundation
import Hashing

/// Authentication as Weaviate 1.19 does it: anonymous access and/or API keys (no OIDC in Iris).
///
/// The bearer token (`Authorization: Bearer <key>` or the `access_token` query parameter) is the key.
/// Keys are kept only as SHA-256 digests and compared in constant time, so neither a key's content
/// nor its position in the list leaks through timing.
public struct Authenticator: Sendable {
    public struct Failure: Error, Equatable {
        /// Rendered as `{"code":401,"message": message}` (not Weaviate's usual error shape).
        public let message: String
    }

    public let anonymousAccessEnabled: Bool
    private let keyDigests: [[UInt8]]
    private let users: [String]

    public var apiKeysEnabled: Bool { !keyDigests.isEmpty }

    /// - Parameters:
    ///   - apiKeys: nil when AUTHENTICATION_APIKEY_ENABLED is off.
    ///   - users: AUTHENTICATION_APIKEY_USERS: one user for every key, or one user per key.
    public init(anonymousAccessEnabled: Bool, apiKeys: [String]?, users: [String]) throws {
        self.anonymousAccessEnabled = anonymousAccessEnabled
        if let keys = apiKeys {
            if keys.isEmpty {
                throw ConfigurationError("AUTHENTICATION_APIKEY_ALLOWED_KEYS: need at least one valid allowed key")
            }
            if keys.contains(where: \.isEmpty) {
                throw ConfigurationError("AUTHENTICATION_APIKEY_ALLOWED_KEYS: keys cannot have length 0")
            }
            if users.isEmpty {
                throw ConfigurationError("AUTHENTICATION_APIKEY_USERS: need at least one user")
            }
            if users.contains(where: \.isEmpty) {
                throw ConfigurationError("AUTHENTICATION_APIKEY_USERS: users cannot have length 0")
            }
            if users.count > 1 && users.count != keys.count {
                throw ConfigurationError(
                    "AUTHENTICATION_APIKEY_USERS: length of users and keys must match, alternatively provide single user for all keys")
            }
            keyDigests = keys.map { SHA256.hash($0.utf8) }
            self.users = users
        } else {
            keyDigests = []
            self.users = []
        }
        if !anonymousAccessEnabled && keyDigests.isEmpty {
            throw ConfigurationError(
                "AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED: no authentication scheme configured (enable anonymous access or AUTHENTICATION_APIKEY_ENABLED)")
        }
    }

    /// The principal for a request's bearer token (nil token: anonymous).
    public func authenticate(bearerToken: String?) -> Result<Principal?, Failure> {
        guard let token = bearerToken else {
            if anonymousAccessEnabled { return .success(nil) }
            return .failure(Failure(message: "anonymous access not enabled, please provide an auth scheme such as OIDC"))
        }
        guard apiKeysEnabled else {
            return .failure(Failure(
                message: "client sent an auth token, but neither OIDC nor API key authentication is enabled on this server"))
        }
        let digest = SHA256.hash(token.utf8)
        // Visit every key so the time taken does not depend on which one matches.
        var match = -1
        for (i, candidate) in keyDigests.enumerated() where SHA256.constantTimeEqual(digest, candidate) && match < 0 {
            match = i
        }
        guard match >= 0 else {
            return .failure(Failure(message: "invalid api key, please provide a valid api key"))
        }
        return .success(Principal(username: users.count == 1 ? users[0] : users[match]))
    }

    /// The token of `Authorization: Bearer <token>`, or of the `access_token` query parameter.
    public static func bearerToken(authorizationHeader: String?, accessTokenParameter: String?) -> String? {
        if let header = authorizationHeader {
            let prefix = "Bearer "
            if header.count > prefix.count, header.lowercased().hasPrefix(prefix.lowercased()) {
                return String(header.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
            }
        }
        if let token = accessTokenParameter, !token.isEmpty { return token }
        return nil
    }
}
