import Foundation

/// A model folder loaded for inference: a sentence-transformers folder (modules.json with CLIPModel,
/// or Transformer + Pooling + Dense… + optional Normalize) or a plain Hugging Face CLIP folder.
/// Weights are read once; the object is immutable and safe to share between threads.
public final class EmbeddingModel: @unchecked Sendable {
    enum TextPath {
        case clip(CLIPTextModel)
        case encoder(BertEncoder, Pooling, [Dense])
    }

    /// The folder given to init.
    public let folder: URL
    /// The folder holding config.json, the weights and the tokenizer files (e.g. `0_CLIPModel`).
    public let modelFolder: URL
    /// config.json of the transformer, as parsed JSON (the container's /meta reports it).
    public let configDictionary: [String: Any]
    /// Longest token sequence the text path accepts (longer ones are truncated keeping the last token).
    public let maxTextTokens: Int?
    /// Whether a Normalize module ends the pipeline.
    public let normalizes: Bool
    let text: TextPath?
    let vision: CLIPVisionModel?
    /// CLIPConfig when the folder is a CLIP model.
    public let clipConfig: CLIPConfig?

    public var supportsText: Bool { text != nil }
    public var supportsImages: Bool { vision != nil }
    /// Output vector length.
    public let dimension: Int
    /// Image edge the vision tower expects (nil without one).
    public var imageSize: Int? { vision?.config.imageSize }

    public init(folder: URL) throws {
        self.folder = folder
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: folder.path, isDirectory: &isDir), isDir.boolValue else {
            throw CLIPEngineError("model folder \(folder.path) does not exist")
        }
        var modules: [STModuleEntry]
        if fm.fileExists(atPath: folder.appendingPathComponent("modules.json").path) {
            modules = try readModulesJSON(folder: folder)
        } else if fm.fileExists(atPath: folder.appendingPathComponent("config.json").path) {
            // A plain Hugging Face folder: CLIP gives a CLIPModel module; an encoder gets mean pooling.
            let cfg = try JSONObject(file: folder.appendingPathComponent("config.json"))
            if try cfg.string("model_type") == "clip" {
                modules = [STModuleEntry(kind: .clipModel, folder: folder)]
            } else {
                throw CLIPEngineError("\(folder.path): no modules.json, and config.json is not a CLIP model")
            }
        } else {
            throw CLIPEngineError("\(folder.path): neither modules.json nor config.json found")
        }
        guard let first = modules.first else { throw CLIPEngineError("\(folder.path): modules.json lists no modules") }
        modelFolder = first.folder
        let configURL = first.folder.appendingPathComponent("config.json")
        let configJSON = try JSONObject(file: configURL)
        configDictionary = configJSON.raw

        var dim: Int
        switch first.kind {
        case .clipModel:
            let cfg = try CLIPConfig(json: configJSON)
            clipConfig = cfg
            let store = try WeightStore.open(folder: first.folder)
            text = .clip(try CLIPTextModel(store, config: cfg.text, projectionDim: cfg.projectionDim))
            vision = try CLIPVisionModel(store, config: cfg.vision, projectionDim: cfg.projectionDim)
            maxTextTokens = cfg.text.maxPositions
            dim = cfg.projectionDim
            modules.removeFirst()
            guard modules.allSatisfy({ $0.kind == .normalize }) else {
                throw CLIPEngineError("\(folder.path): only Normalize may follow a CLIPModel module")
            }
        case .transformer:
            clipConfig = nil
            vision = nil
            let cfg = try EncoderConfig(json: configJSON)
            let store = try WeightStore.open(folder: first.folder)
            let encoder = try BertEncoder(store, config: cfg)
            var maxSeq = encoder.maxTokens
            let stURL = first.folder.appendingPathComponent("sentence_bert_config.json")
            if fm.fileExists(atPath: stURL.path), let m = try JSONObject(file: stURL).int("max_seq_length") {
                maxSeq = min(maxSeq, m)
            }
            maxTextTokens = maxSeq
            modules.removeFirst()
            guard let poolEntry = modules.first, poolEntry.kind == .pooling else {
                throw CLIPEngineError("\(folder.path): a Transformer module must be followed by Pooling")
            }
            modules.removeFirst()
            let poolCfg = try PoolingConfig(json: JSONObject(file: poolEntry.folder.appendingPathComponent("config.json")))
            let pooling = Pooling(config: poolCfg, dim: cfg.hiddenSize)
            dim = pooling.outputDim
            var dense: [Dense] = []
            while let m = modules.first, m.kind == .dense {
                let dc = try DenseConfig(json: JSONObject(file: m.folder.appendingPathComponent("config.json")))
                guard dc.inFeatures == dim else {
                    throw CLIPEngineError("\(m.folder.path): Dense in_features \(dc.inFeatures) does not match the previous output \(dim)")
                }
                dense.append(try Dense(folder: m.folder, config: dc))
                dim = dc.outFeatures
                modules.removeFirst()
            }
            guard modules.allSatisfy({ $0.kind == .normalize }) else {
                throw CLIPEngineError("\(folder.path): unsupported module order after Pooling/Dense")
            }
            text = .encoder(encoder, pooling, dense)
        default:
            throw CLIPEngineError("\(folder.path): the first module must be CLIPModel or Transformer")
        }
        normalizes = !modules.isEmpty
        dimension = dim
    }

    /// Truncates to the model's limit keeping the final (end) token, as the tokenizers do.
    func truncated(_ ids: [Int32]) -> [Int32] {
        guard let m = maxTextTokens, ids.count > m, m >= 2 else { return ids }
        return Array(ids[0..<(m - 1)]) + [ids.last!]
    }

    /// Text embeddings from token ids (with start/end tokens, as the tokenizer gives them).
    public func embed(tokenIDs batch: [[Int32]], settings: ComputeSettings = ComputeSettings()) throws -> [[Float]] {
        guard let text else { throw CLIPEngineError("\(folder.path) has no text model") }
        let batch = batch.map(truncated)
        let vectors = try ParallelRunner.run(costs: batch.map(\.count), settings: settings, splitByDefault: true) { idx, threads in
            // Bounded chunks keep the per-pass scratch memory small whatever the batch size.
            try Self.chunks(idx, maxCost: Self.maxTokensPerPass) { batch[$0].count }.flatMap { chunk in
                try self.forwardText(text, chunk.map { batch[$0] }, threads: threads)
            }
        }
        return normalizes ? vectors.map(l2Normalized) : vectors
    }

    /// Tokens (texts) or images one forward pass handles at most; larger groups run in several passes.
    static let maxTokensPerPass = 4096
    static let maxImagesPerPass = 32

    static func chunks(_ items: [Int], maxCost: Int, cost: (Int) -> Int) -> [[Int]] {
        var out: [[Int]] = []
        var current: [Int] = []
        var total = 0
        for i in items {
            let c = cost(i)
            if !current.isEmpty, total + c > maxCost {
                out.append(current)
                current = []
                total = 0
            }
            current.append(i)
            total += c
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    private func forwardText(_ text: TextPath, _ part: [[Int32]], threads: Int) throws -> [[Float]] {
        switch text {
        case .clip(let m):
            return try m.forward(part, threads: threads)
        case .encoder(let enc, let pooling, let dense):
            let (hidden, segments) = try enc.forward(part, threads: threads)
            var v = pooling.forward(hidden.p, segments: segments)
            for d in dense { v = try d.forward(v) }
            return v
        }
    }

    /// Image embeddings from preprocessed pixel tensors ([3, size, size] channel-major each).
    public func embed(pixels: [[Float]], settings: ComputeSettings = ComputeSettings()) throws -> [[Float]] {
        guard let vision else { throw CLIPEngineError("\(folder.path) has no vision model") }
        let vectors = try ParallelRunner.run(costs: pixels.map { _ in 1 }, settings: settings, splitByDefault: false) { idx, threads in
            try Self.chunks(idx, maxCost: Self.maxImagesPerPass) { _ in 1 }.flatMap { chunk in
                try vision.forward(chunk.map { pixels[$0] }, threads: threads)
            }
        }
        return normalizes ? vectors.map(l2Normalized) : vectors
    }
}
