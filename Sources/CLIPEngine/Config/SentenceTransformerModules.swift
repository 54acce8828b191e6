import Foundation

/// One entry of a sentence-transformers modules.json.
struct STModuleEntry {
    enum Kind { case clipModel, transformer, pooling, dense, normalize }
    let kind: Kind
    let folder: URL
}

/// modules.json → the module list, by the last component of each entry's "type".
func readModulesJSON(folder: URL) throws -> [STModuleEntry] {
    let url = folder.appendingPathComponent("modules.json")
    let data: Data
    do { data = try Data(contentsOf: url) } catch { throw CLIPEngineError("cannot read \(url.path)") }
    guard let list = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]] else {
        throw CLIPEngineError("\(url.path) is not a JSON list of modules")
    }
    let sorted = list.sorted { (($0["idx"] as? Int) ?? 0) < (($1["idx"] as? Int) ?? 0) }
    return try sorted.map { m in
        guard let type = m["type"] as? String else { throw CLIPEngineError("\(url.path): a module has no \"type\"") }
        let path = (m["path"] as? String) ?? ""
        let dir = path.isEmpty ? folder : folder.appendingPathComponent(path)
        let kind: STModuleEntry.Kind
        switch type.split(separator: ".").last.map(String.init) ?? type {
        case "CLIPModel": kind = .clipModel
        case "Transformer": kind = .transformer
        case "Pooling": kind = .pooling
        case "Dense": kind = .dense
        case "Normalize": kind = .normalize
        default: throw CLIPEngineError("\(url.path): module type \"\(type)\" is not supported")
        }
        return STModuleEntry(kind: kind, folder: dir)
    }
}

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
