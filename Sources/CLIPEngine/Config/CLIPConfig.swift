import Foundation
import ModelFormats

/// The text or vision half of a CLIPConfig, with transformers' defaults for keys that are absent.
public struct CLIPTowerConfig: Sendable {
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var layers: Int
    public var heads: Int
    public var activation: Activation
    public var layerNormEps: Float
    // text only
    public var vocabSize: Int
    public var maxPositions: Int
    public var eosTokenId: Int?
    // vision only
    public var imageSize: Int
    public var patchSize: Int
    public var channels: Int
}

/// CLIPConfig from config.json: {text_config, vision_config, projection_dim}. Accepts the hub's
/// transformers-4 shape where text_config_dict / vision_config_dict may be null or override the others.
public struct CLIPConfig: Sendable {
    public var text: CLIPTowerConfig
    public var vision: CLIPTowerConfig
    public var projectionDim: Int

    init(json: JSONObject) throws {
        projectionDim = try json.int("projection_dim", default: 512)
        text = try Self.tower(json, key: "text_config", isText: true)
        vision = try Self.tower(json, key: "vision_config", isText: false)
        if let mt = try json.string("model_type"), mt != "clip" {
            throw CLIPEngineError("\(json.context): model_type \"\(mt)\" is not a CLIP model")
        }
    }

    public init(file url: URL) throws {
        try self.init(json: JSONObject(file: url))
    }

    private static func tower(_ json: JSONObject, key: String, isText: Bool) throws -> CLIPTowerConfig {
        let c = (try json.object(key) ?? JSONObject(raw: [:], context: "\(json.context) → \(key)"))
            .overlaid(with: try json.object(key + "_dict"))
        let hidden = try c.int("hidden_size", default: isText ? 512 : 768)
        let heads = try c.int("num_attention_heads", default: isText ? 8 : 12)
        guard hidden > 0, heads > 0, hidden % heads == 0 else {
            throw CLIPEngineError("\(c.context): hidden_size \(hidden) is not divisible by num_attention_heads \(heads)")
        }
        let cfg = CLIPTowerConfig(
            hiddenSize: hidden,
            intermediateSize: try c.int("intermediate_size", default: isText ? 2048 : 3072),
            layers: try c.int("num_hidden_layers", default: 12),
            heads: heads,
            activation: try Activation(configName: try c.string("hidden_act") ?? "quick_gelu", context: c.context),
            layerNormEps: Float(try c.double("layer_norm_eps", default: 1e-5)),
            vocabSize: try c.int("vocab_size", default: 49408),
            maxPositions: try c.int("max_position_embeddings", default: 77),
            eosTokenId: try c.int("eos_token_id"),
            imageSize: try c.int("image_size", default: 224),
            patchSize: try c.int("patch_size", default: 32),
            channels: try c.int("num_channels", default: 3)
        )
        if !isText {
            guard cfg.patchSize > 0, cfg.imageSize >= cfg.patchSize, cfg.imageSize % cfg.patchSize == 0 else {
                throw CLIPEngineError("\(c.context): image_size \(cfg.imageSize) is not a multiple of patch_size \(cfg.patchSize)")
            }
        }
        return cfg
    }
}
