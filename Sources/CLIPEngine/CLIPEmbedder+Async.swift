import Foundation

extension CLIPEmbedder {
    /// Texts and base64-encoded images → vectors: the inference API's `/vectorize` contract, shared by
    /// `iris inference` and in-process multi2vec-clip so both decode and embed identically.
    ///
    /// The embedder blocks while it computes, so the work runs on Dispatch threads and Swift's small
    /// cooperative pool (two threads here) keeps serving requests meanwhile.
    public func vectorize(texts: [String], base64Images: [String]) async throws -> (textVectors: [[Float]], imageVectors: [[Float]]) {
        let images = try base64Images.enumerated().map { i, b64 in try Self.decodeBase64Image(b64, index: i) }
        async let textVectors = Self.offload { try self.embed(texts: texts) }
        async let imageVectors = Self.offload { try self.embed(images: images) }
        return (try await textVectors, try await imageVectors)
    }

    /// Lenient like Python's `base64.b64decode` (characters outside the alphabet are skipped) and
    /// tolerant of a `data:...;base64,` prefix; empty or undecodable input is an error.
    public static func decodeBase64Image(_ string: String, index: Int) throws -> Data {
        var s = Substring(string)
        if s.hasPrefix("data:"), let comma = s.firstIndex(of: ",") { s = s[s.index(after: comma)...] }
        guard let data = Data(base64Encoded: String(s), options: .ignoreUnknownCharacters), !data.isEmpty else {
            throw CLIPEngineError("image \(index): invalid base64-encoded string")
        }
        return data
    }

    private static func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }
}
