import Foundation

/// Where the hub is and how to authenticate: `HF_ENDPOINT` (default https://huggingface.co) and `HF_TOKEN`.
public struct HubConfiguration: Sendable {
    public static let defaultEndpoint = "https://huggingface.co"

    public var endpoint: URL
    public var token: String?
    /// Seconds without any bytes before a request is abandoned (and, for downloads, retried with a resume).
    public var idleTimeout: TimeInterval
    /// How many times a download that broke off mid-way is resumed before giving up.
    public var maxAttempts: Int

    public init(endpoint: URL, token: String? = nil, idleTimeout: TimeInterval = 60, maxAttempts: Int = 4) {
        self.endpoint = endpoint
        self.token = token
        self.idleTimeout = idleTimeout
        self.maxAttempts = maxAttempts
    }

    public init(endpoint text: String, token: String? = nil, idleTimeout: TimeInterval = 60, maxAttempts: Int = 4) throws {
        var trimmed = text.trimmingCharacters(in: .whitespaces)
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(),
              scheme == "http" || scheme == "https", url.host != nil else {
            throw HubError.invalidEndpoint(text)
        }
        self.init(endpoint: url, token: token, idleTimeout: idleTimeout, maxAttempts: maxAttempts)
    }

    /// Reads HF_ENDPOINT and HF_TOKEN from the environment.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> HubConfiguration {
        let endpoint = env["HF_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultEndpoint
        let token = env["HF_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        return try HubConfiguration(endpoint: endpoint, token: token)
    }

    var endpointString: String { endpoint.absoluteString }
}
