import Foundation

/// Why a folder could not be described.
public struct InspectError: Error, CustomStringConvertible, LocalizedError {
    public let path: String
    public let message: String

    public init(_ path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
    public var errorDescription: String? { description }
}
