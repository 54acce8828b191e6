import Foundation
import ModelFormats

/// A BERT-family text encoder's config (BERT, DistilBERT, RoBERTa/XLM-R), normalised to one shape.
public struct EncoderConfig: Sendable {
    public enum Family: String, Sendable { case bert, distilbert, roberta }
    public var family: Family
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var layers: Int
    public var heads: Int
    public var activation: Activation
    public var layerNormEps: Float
    public var vocabSize: Int
    public var maxPositions: Int
    public var typeVocabSize: Int
    /// Position ids start here (RoBERTa counts from padding_idx + 1).
    public var positionOffset: Int

    init(json c: JSONObject) throws {
        let type = try c.string("model_type") ?? ""
        switch type {
        case "distilbert":
            family = .distilbert
            hiddenSize = try c.int("dim", default: 768)
            intermediateSize = try c.int("hidden_dim", default: 3072)
            layers = try c.int("n_layers", default: 6)
            heads = try c.int("n_heads", default: 12)
            activation = try Activation(configName: try c.string("activation") ?? "gelu", context: c.context)
            layerNormEps = 1e-12 // fixed in DistilBERT's code
            typeVocabSize = 0
            positionOffset = 0
        case "bert", "roberta", "xlm-roberta", "camembert":
            family = type == "bert" ? .bert : .roberta
            hiddenSize = try c.int("hidden_size", default: 768)
            intermediateSize = try c.int("intermediate_size", default: 3072)
            layers = try c.int("num_hidden_layers", default: 12)
            heads = try c.int("num_attention_heads", default: 12)
            activation = try Activation(configName: try c.string("hidden_act") ?? "gelu", context: c.context)
            layerNormEps = Float(try c.double("layer_norm_eps", default: 1e-12))
            typeVocabSize = try c.int("type_vocab_size", default: 2)
            positionOffset = family == .roberta ? try c.int("pad_token_id", default: 1) + 1 : 0
            if let pe = try c.string("position_embedding_type"), pe != "absolute" {
                throw CLIPEngineError("\(c.context): position_embedding_type \"\(pe)\" is not supported (only absolute)")
            }
        default:
            throw CLIPEngineError("\(c.context): model_type \"\(type)\" is not supported (bert, distilbert, roberta, xlm-roberta)")
        }
        vocabSize = try c.int("vocab_size", default: 30522)
        maxPositions = try c.int("max_position_embeddings", default: 512)
        guard hiddenSize > 0, heads > 0, hiddenSize % heads == 0 else {
            throw CLIPEngineError("\(c.context): hidden size \(hiddenSize) is not divisible by \(heads) heads")
        }
    }

    public init(file url: URL) throws { try self.init(json: JSONObject(file: url)) }
}
