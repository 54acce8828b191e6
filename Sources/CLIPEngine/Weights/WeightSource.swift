import Foundation

/// Something that holds named tensors: a safetensors file or a PyTorch checkpoint.
protocol WeightSource: AnyObject {
    /// Where the tensors come from (for error messages).
    var label: String { get }
    /// Names of the floating-point tensors (integer buffers such as position_ids are left out).
    var tensorNames: [String] { get }
    /// Shape of a tensor, nil when absent.
    func shape(of name: String) -> [Int]?
    /// The tensor converted to fp32, contiguous.
    func load(_ name: String) throws -> WeightTensor
}

/// Looks tensors up by the names a model's code uses, tolerating the prefixes checkpoints add
/// ("bert.", "distilbert.", "model.", ...): an exact name wins, else the unique key ending in "." + name.
final class WeightStore {
    let source: WeightSource
    private let names: Set<String>
    private var suffixIndex: [String: [String]] = [:]

    init(_ source: WeightSource) {
        self.source = source
        self.names = Set(source.tensorNames)
    }

    var label: String { source.label }

    func resolve(_ name: String) -> String? {
        if names.contains(name) { return name }
        let matches = names.filter { $0.hasSuffix("." + name) }
        return matches.count == 1 ? matches.first : nil
    }

    func contains(_ name: String) -> Bool { resolve(name) != nil }

    /// Loads `name`, checking the shape when `shape` is given.
    func tensor(_ name: String, shape expected: [Int]? = nil) throws -> WeightTensor {
        guard let key = resolve(name) else {
            throw CLIPEngineError("\(label): missing tensor \"\(name)\"")
        }
        let t = try source.load(key)
        if let expected, t.shape != expected {
            // PyTorch scalars/vectors sometimes carry extra unit dimensions; accept equal element counts
            // only when the non-unit dimensions agree.
            if t.shape.filter({ $0 != 1 }) != expected.filter({ $0 != 1 }) {
                throw CLIPEngineError("\(label): tensor \"\(key)\" has shape \(t.shape), expected \(expected)")
            }
        }
        return t
    }

    /// Opens the weights of a model folder: model.safetensors if present, else pytorch_model.bin.
    static func open(folder: URL) throws -> WeightStore {
        let st = folder.appendingPathComponent("model.safetensors")
        if FileManager.default.fileExists(atPath: st.path) {
            return WeightStore(try SafeTensorsFile(url: st))
        }
        let bin = folder.appendingPathComponent("pytorch_model.bin")
        if FileManager.default.fileExists(atPath: bin.path) {
            return WeightStore(try TorchCheckpoint(url: bin))
        }
        throw CLIPEngineError("\(folder.path): no model.safetensors or pytorch_model.bin")
    }
}
