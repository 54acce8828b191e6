import Foundation

extension EmbeddingModel {
    /// @unchecked Sendable: `models` is read and written only under `lock`.
    private final class Cache: @unchecked Sendable {
        let lock = NSLock()
        var models: [String: Weak] = [:]
        struct Weak { weak var model: EmbeddingModel? }
    }

    private static let cache = Cache()

    /// The model of `folder` at `precision`, loaded once per process while anyone holds it: the inference
    /// API and the multi2vec-clip module asking for the same folder share one copy of the weights.
    public static func shared(folder: URL, precision: Precision = .fp32) throws -> EmbeddingModel {
        let key = folder.standardizedFileURL.resolvingSymlinksInPath().path + "#" + precision.rawValue
        cache.lock.lock()
        defer { cache.lock.unlock() }
        if let m = cache.models[key]?.model { return m }
        let m = try EmbeddingModel(folder: folder, precision: precision)
        cache.models[key] = Cache.Weak(model: m)
        return m
    }
}
