import Foundation
import Hashing

/// Deterministic object ids for `iris import`: UUID v5 (RFC 4122 §4.3, SHA-1) of the file's path relative
/// to the imported folder, with "/" separators, in the namespace below. Re-importing a folder (after an
/// interruption, or with more files) therefore addresses the same objects and never duplicates them.
///
/// Python gives the same ids: `uuid.uuid5(uuid.UUID("2b5e0c52-6d5c-5b42-9b6a-5d1c3f0a1e7e"), "dir/a.jpg")`.
enum ImportIdentifiers {
    /// The namespace of `iris import` ids (a fixed, arbitrary v5-shaped UUID; never change it).
    static let namespace = UUID(uuidString: "2B5E0C52-6D5C-5B42-9B6A-5D1C3F0A1E7E")!

    static func id(relativePath: String) -> String {
        SHA1.uuidV5(namespace: namespace, name: relativePath).uuidString.lowercased()
    }
}
