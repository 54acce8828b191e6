import CLIPEngine
import Foundation

/// The multi2vec-clip inference container's API over a `CLIPEmbedder`, without HTTP: the server maps
/// each call to a route. Model work runs on its own threads (the embedder blocks while it computes),
/// and concurrent requests are coalesced into shared model batches by the embedder.
public final class InferenceService: Sendable {
    public let embedder: CLIPEmbedder

    public init(embedder: CLIPEmbedder) { self.embedder = embedder }

    /// `POST /vectorize`: 200 `{"textVectors", "imageVectors"}`, 422 `{"detail"}` for a body of the wrong
    /// shape, 500 `{"error"}` when a text or image cannot be embedded (as the container answers).
    public func vectorize(body: [UInt8]) async -> (status: Int, body: Data) {
        let request: VectorizeRequest
        do { request = try VectorizeRequest(json: body) } catch let invalid as VectorizeRequest.Invalid {
            return (422, invalid.body)
        } catch {
            return (422, Self.errorBody("\(error)"))
        }
        do {
            let vectors = try await embedder.vectorize(texts: request.texts, base64Images: request.images)
            let answer = ["textVectors": vectors.textVectors, "imageVectors": vectors.imageVectors]
            return (200, try JSONSerialization.data(withJSONObject: answer))
        } catch {
            return (500, Self.errorBody("\(error)"))
        }
    }

    /// `GET /meta`: the models' configs, as the container's sentence-transformers path reports them.
    public func meta() -> (status: Int, body: Data) {
        do { return (200, try embedder.metaJSON()) } catch { return (500, Self.errorBody("\(error)")) }
    }

    static func errorBody(_ message: String) -> Data {
        (try? JSONSerialization.data(withJSONObject: ["error": message])) ?? Data()
    }
}
