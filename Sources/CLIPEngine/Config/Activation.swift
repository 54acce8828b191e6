/// Hidden activations named by config.json ("hidden_act" / "activation") and ST Dense
/// ("activation_function" as a torch class path).
public enum Activation: String, Sendable {
    case identity, quickGelu, geluErf, geluTanh, relu, tanh, sigmoid

    /// From a transformers ACT2FN name.
    init(configName name: String, context: String) throws {
        switch name.lowercased() {
        case "quick_gelu": self = .quickGelu
        case "gelu", "gelu_python": self = .geluErf
        case "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "gelu_accurate": self = .geluTanh
        case "relu": self = .relu
        case "tanh": self = .tanh
        case "sigmoid": self = .sigmoid
        case "linear", "identity": self = .identity
        default: throw CLIPEngineError("\(context): unsupported activation \"\(name)\"")
        }
    }

    /// From a sentence-transformers Dense "activation_function" (e.g. torch.nn.modules.activation.Tanh).
    init(torchClass name: String, context: String) throws {
        let last = name.split(separator: ".").last.map(String.init) ?? name
        switch last {
        case "Identity": self = .identity
        case "Tanh": self = .tanh
        case "ReLU": self = .relu
        case "Sigmoid": self = .sigmoid
        case "GELU": self = .geluErf
        default: throw CLIPEngineError("\(context): unsupported Dense activation \"\(name)\"")
        }
    }
}
