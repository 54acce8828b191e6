import Foundation
import ModelFormats

/// The pieces of a model folder description (all Codable so `inspect --json` can print them).
/// The layout and the modules.json entries are ModelFormats' (shared with the CLIP engine's loader).
public typealias ModelLayout = ModelFolderLayout.Kind

/// One transformer stack: shapes read from its config, with the library defaults for missing keys.
public struct TransformerSummary: Codable, Equatable, Sendable {
    public var modelType: String
    public var hiddenSize: Int?
    public var layers: Int?
    public var heads: Int?
    public var intermediateSize: Int?
    public var activation: String?
    public var layerNormEps: Double?
    public var vocabSize: Int?
    public var maxPositions: Int?
    public var imageSize: Int?
    public var patchSize: Int?
    public var channels: Int?

    public var patchesPerSide: Int? {
        guard let imageSize, let patchSize, patchSize > 0 else { return nil }
        return imageSize / patchSize
    }
}

public struct CLIPSummary: Codable, Equatable, Sendable {
    public var configPath: String
    public var projectionDim: Int?
    public var text: TransformerSummary
    public var vision: TransformerSummary
}

public struct PoolingSummary: Codable, Equatable, Sendable {
    public var path: String
    public var dimension: Int?
    /// The enabled modes among cls, mean, max, mean_sqrt_len, weightedmean, lasttoken.
    public var modes: [String]
}

public struct DenseSummary: Codable, Equatable, Sendable {
    public var path: String
    public var inFeatures: Int?
    public var outFeatures: Int?
    public var bias: Bool
    public var activation: String
}

public struct TokenizerSummary: Codable, Equatable, Sendable {
    public var folder: String
    /// BPE, WordPiece, Unigram or SentencePiece.
    public var kind: String
    public var tokenizerClass: String?
    public var vocabSize: Int?
    public var lowercase: Bool?
    public var maxLength: Int?
    public var files: [String]
}

public struct ImageProcessorSummary: Codable, Equatable, Sendable {
    public var path: String
    public var resizeShortestEdge: Int?
    public var cropSize: Int?
    public var resample: Int?
    public var mean: [Double]?
    public var std: [Double]?
}

public struct WeightFileSummary: Codable, Equatable, Sendable {
    public enum Format: String, Codable, Sendable {
        case safetensors
        case pytorchZip = "pytorch zip"
        case pytorchLegacy = "pytorch legacy pickle"
    }
    public var path: String
    public var format: Format
    public var bytes: Int64
    /// safetensors: tensor count from the header; pytorch zip: persistent-id loads in data.pkl.
    public var tensorCount: Int?
    /// safetensors: tensors per dtype, e.g. ["F32": 78].
    public var dtypes: [String: Int]?
    public var parameterCount: Int?
    public var headerBytes: Int?
    /// pytorch zip: the `data/<n>` storage blobs (one per tensor unless tensors share storage).
    public var storageCount: Int?
}
