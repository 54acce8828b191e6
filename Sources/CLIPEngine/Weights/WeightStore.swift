import Foundation
import ModelFormats

/// Looks tensors up by the names a model's code uses, tolerating the prefixes checkpoints add
/// ("bert.", "distilbert.", "model.", ...): an exact name wins, else the unique key ending in "." + name.
/// The files themselves (safetensors, PyTorch zip) are read by ModelFormats.
final class WeightStore {
    let source: any TensorFile
    private let names: Set<String>
    /// What the model's Linear layers are prepared for (`Linear.prepared`).
    let precision: Precision

    init(_ source: any TensorFile, precision: Precision = .fp32) {
        self.source = source
        self.names = Set(source.tensorNames)
        self.precision = precision
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
            if let dtype = source.dtypeName(of: name) {
                throw CLIPEngineError("\(label): tensor \"\(name)\" is \(dtype), which cannot be used as a float weight")
            }
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
    static func open(folder: URL, precision: Precision = .fp32) throws -> WeightStore {
        WeightStore(try TensorFiles.open(folder: folder), precision: precision)
    }
}
