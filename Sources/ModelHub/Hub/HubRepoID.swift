import Foundation

/// A model repository on the hub, written `ORG/NAME` (e.g. `sentence-transformers/clip-ViT-B-32`).
public struct HubRepoID: Hashable, Sendable, CustomStringConvertible {
    public let organization: String
    public let name: String

    public init(organization: String, name: String) throws {
        for part in [organization, name] {
            guard Self.isValidComponent(part) else {
                throw HubError.invalidRepoID("\(organization)/\(name)")
            }
        }
        self.organization = organization
        self.name = name
    }

    /// Parses `ORG/NAME`; anything else (no slash, extra slashes, `..`) is rejected with a clear message.
    public init(_ text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 else { throw HubError.invalidRepoID(text) }
        try self.init(organization: parts[0], name: parts[1])
    }

    public var description: String { "\(organization)/\(name)" }

    /// The hub allows letters, digits, `-`, `_` and `.` in both parts (never `..` or a leading dot).
    private static func isValidComponent(_ s: String) -> Bool {
        guard !s.isEmpty, s.count <= 96, !s.hasPrefix("."), !s.contains("..") else { return false }
        return s.unicodeScalars.allSatisfy { c in
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "-" || c == "_" || c == "."
        }
    }
}
