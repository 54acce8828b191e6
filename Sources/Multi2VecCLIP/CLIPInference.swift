import Database
import Foundation

/// Where multi2vec-clip's vectors come from: the CLIP engine in this process, or an inference service
/// (`iris inference` or Weaviate's Python container) over HTTP. Both answer the container's
/// `/vectorize` contract, so the module computes identical object vectors either way.
public protocol CLIPInference: Sendable {
    /// One vector per text and per base64-encoded image, each list in input order.
    func vectorize(texts: [String], images: [String]) async throws -> CLIPVectors
    /// The models' description, as the container's `GET /meta` returns it.
    func meta() async throws -> JSONValue
}

public struct CLIPVectors: Sendable, Equatable {
    public var textVectors: [[Float]]
    public var imageVectors: [[Float]]
    public init(textVectors: [[Float]], imageVectors: [[Float]]) {
        self.textVectors = textVectors
        self.imageVectors = imageVectors
    }
}

/// A failure to get vectors; the message reads like Weaviate's error chain.
public struct CLIPInferenceError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
