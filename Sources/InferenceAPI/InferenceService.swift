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
            let images = try request.images.enumerated().map { i, b64 in try Self.decodeBase64(b64, index: i) }
            async let textVectors = offload { try self.embedder.embed(texts: request.texts) }
            async let imageVectors = offload { try self.embedder.embed(images: images) }
            let answer = ["textVectors": try await textVectors, "imageVectors": try await imageVectors]
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

    /// Python's `base64.b64decode` skips characters outside the alphabet; so does this. Empty or
    /// undecodable strings are errors (500), as in the container.
    static func decodeBase64(_ string: String, index: Int) throws -> Data {
        var s = string
        if s.hasPrefix("data:"), let comma = s.firstIndex(of: ",") { s = String(s[s.index(after: comma)...]) }
        guard let data = Data(base64Encoded: s, options: .ignoreUnknownCharacters), !data.isEmpty else {
            throw CLIPEngineError("image \(index): invalid base64-encoded string")
        }
        return data
    }
}

/// Runs blocking work on a Dispatch thread so Swift's cooperative pool (two threads here) stays free
/// for the event loops and other requests.
func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}
