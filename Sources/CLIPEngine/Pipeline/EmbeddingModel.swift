import Foundation
import ModelFormats

/// A model folder loaded for inference: a sentence-transformers folder (modules.json with CLIPModel,
/// or Transformer + Pooling + Dense… + optional Normalize) or a plain Hugging Face CLIP folder.
/// Weights are read once; the object is immutable and safe to share between threads. @unchecked Sendable
/// only because `configDictionary` is `[String: Any]` (parsed JSON, never mutated after init).
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

    /// How the Linear layers compute.
    public let precision: Precision

    public init(folder: URL, precision: Precision = .fp32) throws {
        self.folder = folder
        self.precision = precision
        let layout = try ModelFolderLayout(folder: folder)
        guard layout.kind != .huggingFaceText else {
            throw CLIPEngineError("\(folder.path): no modules.json, and config.json is not a CLIP model")
        }
        // The transformer comes first; only the modules after it are left to build.
        guard layout.modules.isEmpty || layout.modules.first == layout.mainModule else {
            throw CLIPEngineError("\(folder.path): the first module must be CLIPModel or Transformer")
        }
        var modules = Array(layout.modules.dropFirst())
        modelFolder = layout.modelFolder
        let configJSON = layout.config
        configDictionary = configJSON.raw

        var dim: Int
        if layout.kind == .sentenceTransformersCLIP || layout.kind == .huggingFaceCLIP {
            let cfg = try CLIPConfig(json: configJSON)
            clipConfig = cfg
            let store = try WeightStore.open(folder: modelFolder, precision: precision)
            text = .clip(try CLIPTextModel(store, config: cfg.text, projectionDim: cfg.projectionDim))
            vision = try CLIPVisionModel(store, config: cfg.vision, projectionDim: cfg.projectionDim)
            maxTextTokens = cfg.text.maxPositions
            dim = cfg.projectionDim
            guard modules.allSatisfy({ $0.kind == "Normalize" }) else {
                throw CLIPEngineError("\(folder.path): only Normalize may follow a CLIPModel module")
            }
        } else {
            clipConfig = nil
            vision = nil
            let cfg = try EncoderConfig(json: configJSON)
            let store = try WeightStore.open(folder: modelFolder, precision: precision)
            let encoder = try BertEncoder(store, config: cfg)
            var maxSeq = encoder.maxTokens
            if let m = try JSONObject.fileIfPresent(modelFolder.appendingPathComponent("sentence_bert_config.json"))?.int("max_seq_length") {
                maxSeq = min(maxSeq, m)
            }
            maxTextTokens = maxSeq
            if let other = modules.first(where: { !["Pooling", "Dense", "Normalize"].contains($0.kind) }) {
                throw CLIPEngineError("\(folder.path): module type \"\(other.type)\" is not supported")
            }
            guard let poolEntry = modules.first, poolEntry.kind == "Pooling" else {
                throw CLIPEngineError("\(folder.path): a Transformer module must be followed by Pooling")
            }
            modules.removeFirst()
            let poolCfg = try PoolingConfig(json: JSONObject(file: layout.url(poolEntry.path).appendingPathComponent("config.json")))
            let pooling = Pooling(config: poolCfg, dim: cfg.hiddenSize)
            dim = pooling.outputDim
            var dense: [Dense] = []
            while let m = modules.first, m.kind == "Dense" {
                let denseFolder = layout.url(m.path)
                let dc = try DenseConfig(json: JSONObject(file: denseFolder.appendingPathComponent("config.json")))
                guard dc.inFeatures == dim else {
                    throw CLIPEngineError("\(denseFolder.path): Dense in_features \(dc.inFeatures) does not match the previous output \(dim)")
                }
                dense.append(try Dense(folder: denseFolder, config: dc))
                dim = dc.outFeatures
                modules.removeFirst()
            }
            guard modules.allSatisfy({ $0.kind == "Normalize" }) else {
                throw CLIPEngineError("\(folder.path): unsupported module order after Pooling/Dense")
            }
            text = .encoder(encoder, pooling, dense)
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
