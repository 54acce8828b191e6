import Foundation
import ModelFormats

/// 1_Pooling/config.json. Several modes may be on: their outputs are concatenated in ST's order
/// (cls, max, mean, mean_sqrt_len).
public struct PoolingConfig: Sendable {
    public var cls = false, max = false, mean = false, meanSqrtLen = false

    init(json c: JSONObject) throws {
        if let mode = try c.string("pooling_mode") { // older single-key form
            switch mode {
            case "cls": cls = true
            case "max": max = true
            case "mean": mean = true
            default: throw CLIPEngineError("\(c.context): pooling_mode \"\(mode)\" is not supported")
            }
        }
        cls = try c.bool("pooling_mode_cls_token") ?? cls
        max = try c.bool("pooling_mode_max_tokens") ?? max
        mean = try c.bool("pooling_mode_mean_tokens") ?? mean
        meanSqrtLen = try c.bool("pooling_mode_mean_sqrt_len_tokens") ?? meanSqrtLen
        for unsupported in ["pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken"] where try c.bool(unsupported) == true {
            throw CLIPEngineError("\(c.context): \(unsupported) is not supported")
        }
        if !(cls || max || mean || meanSqrtLen) { throw CLIPEngineError("\(c.context): no pooling mode is enabled") }
    }

    var modeCount: Int { [cls, max, mean, meanSqrtLen].filter { $0 }.count }
}

/// 2_Dense/config.json.
public struct DenseConfig: Sendable {
    public var inFeatures: Int
    public var outFeatures: Int
    public var bias: Bool
    public var activation: Activation

    init(json c: JSONObject) throws {
        inFeatures = try c.require("in_features")
        outFeatures = try c.require("out_features")
        bias = try c.bool("bias") ?? true
        activation = try Activation(torchClass: try c.string("activation_function") ?? "torch.nn.modules.activation.Tanh", context: c.context)
    }
}
