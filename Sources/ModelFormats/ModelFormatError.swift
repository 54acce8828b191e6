import Foundation

/// Why a model file or folder cannot be read: `path` names the file (or the file → key inside it) and
/// `message` says what is wrong with it.
public struct ModelFormatError: Error, CustomStringConvertible, LocalizedError, Equatable {
    public let path: String
    public let message: String

    public init(_ path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
    public var errorDescription: String? { description }
}
