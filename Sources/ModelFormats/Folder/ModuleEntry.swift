import Foundation

/// One entry of a SentenceTransformers `modules.json`: `{"idx": 0, "name": "0", "path": "0_CLIPModel",
/// "type": "sentence_transformers.models.CLIPModel"}`.
public struct ModuleEntry: Codable, Equatable, Sendable {
    public let index: Int
    public let name: String
    /// The module's folder relative to the model folder ("" is the model folder itself).
    public let path: String
    /// The Python class of the module.
    public let type: String

    public init(index: Int, name: String, path: String, type: String) {
        self.index = index
        self.name = name
        self.path = path
        self.type = type
    }

    /// The last component of the Python class (`CLIPModel`, `Transformer`, `Pooling`, `Dense`, `Normalize`).
    public var kind: String { type.split(separator: ".").last.map(String.init) ?? type }

    /// The modules of `modulesJSON` in pipeline order (by `idx`); [] when the file does not exist. Module
    /// paths are normalised and must stay inside the folder.
    public static func read(_ modulesJSON: URL) throws -> [ModuleEntry] {
        guard let data = FileManager.default.contents(atPath: modulesJSON.path) else { return [] }
        guard let list = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]] else {
            throw ModelFormatError(modulesJSON.path, "expected a JSON list of modules")
        }
        let modules = try list.enumerated().map { offset, entry in
            guard let type = entry["type"] as? String else {
                throw ModelFormatError(modulesJSON.path, "module \(offset) has no \"type\"")
            }
            let path = RelativePath.normalizedFolder(entry["path"] as? String ?? "")
            guard path.isEmpty || RelativePath.isSafe(path) else {
                throw ModelFormatError(modulesJSON.path, "module path '\(path)' leaves the folder")
            }
            return ModuleEntry(index: (entry["idx"] as? NSNumber)?.intValue ?? offset,
                               name: entry["name"] as? String ?? String(offset), path: path, type: type)
        }
        // Stable: entries without idx (or with equal ones) keep the file's order.
        return modules.enumerated().sorted { ($0.element.index, $0.offset) < ($1.element.index, $1.offset) }.map(\.element)
    }
}
