import CLIPEngine
import Database
import Foundation

/// CLIP in this process (the default): no container to run, no HTTP hop, and concurrent requests
/// share model batches inside the embedder.
public final class EmbeddedCLIPInference: CLIPInference {
    public let embedder: CLIPEmbedder
    private let metaValue: JSONValue

    public init(embedder: CLIPEmbedder) throws {
        self.embedder = embedder
        metaValue = try JSONValue.parse(embedder.metaJSON())
    }

    public func vectorize(texts: [String], images: [String]) async throws -> CLIPVectors {
        let imageData = try images.enumerated().map { i, b64 -> Data in
            guard let data = Data(base64Encoded: b64, options: .ignoreUnknownCharacters), !data.isEmpty else {
                throw CLIPInferenceError("image \(i): invalid base64-encoded string")
            }
            return data
        }
        async let textVectors = runBlocking { try self.embedder.embed(texts: texts) }
        async let imageVectors = runBlocking { try self.embedder.embed(images: imageData) }
        return CLIPVectors(textVectors: try await textVectors, imageVectors: try await imageVectors)
    }

    public func meta() async throws -> JSONValue { metaValue }
}

/// The embedder blocks while it computes; run it on a Dispatch thread so Swift's small cooperative
/// pool keeps serving requests meanwhile.
func runBlocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}
