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
        let result = try await embedder.vectorize(texts: texts, base64Images: images)
        return CLIPVectors(textVectors: result.textVectors, imageVectors: result.imageVectors)
    }

    public func meta() async throws -> JSONValue { metaValue }
}
