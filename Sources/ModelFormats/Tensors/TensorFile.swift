import Foundation

/// A file of named tensors: a safetensors file or a PyTorch zip checkpoint.
public protocol TensorFile: AnyObject {
    /// Where the tensors come from (for error messages).
    var label: String { get }
    /// Names of the floating-point tensors, the ones `load` converts (integer buffers such as
    /// position_ids are left out).
    var tensorNames: [String] { get }
    /// Shape of a tensor, nil when absent.
    func shape(of name: String) -> [Int]?
    /// The stored element type's name ("F32", "I64", ...), nil when absent.
    func dtypeName(of name: String) -> String?
    /// The tensor converted to fp32, contiguous.
    func load(_ name: String) throws -> WeightTensor
}

public enum TensorFiles {
    /// The main weights of a model folder: model.safetensors if present, else pytorch_model.bin.
    public static func open(folder: URL) throws -> any TensorFile {
        let st = folder.appendingPathComponent("model.safetensors")
        if FileManager.default.fileExists(atPath: st.path) { return try SafeTensorsFile(url: st) }
        let bin = folder.appendingPathComponent("pytorch_model.bin")
        if FileManager.default.fileExists(atPath: bin.path) { return try TorchCheckpoint(url: bin) }
        throw ModelFormatError(folder.path, "no model.safetensors or pytorch_model.bin")
    }
}
