import Foundation

/// Which kind of model folder a directory is and where its transformer lives: the one place that tells a
/// SentenceTransformers folder (modules.json) from a plain Hugging Face one (config.json at the root),
/// and a CLIP model from a BERT-family text encoder. The CLIP engine loads from it; `iris model inspect`
/// describes it.
public struct ModelFolderLayout: Sendable {
    public enum Kind: String, Codable, Sendable {
        /// modules.json with a CLIPModel module (e.g. sentence-transformers/clip-ViT-B-32).
        case sentenceTransformersCLIP = "SentenceTransformers CLIP"
        /// modules.json with Transformer + Pooling (+ Dense, Normalize) (e.g. clip-ViT-B-32-multilingual-v1).
        case sentenceTransformersText = "SentenceTransformers text encoder"
        /// A plain Hugging Face CLIPModel folder (e.g. openai/clip-vit-base-patch32).
        case huggingFaceCLIP = "Hugging Face CLIP"
        /// A plain Hugging Face BERT-family encoder (BERT, DistilBERT, RoBERTa, ...).
        case huggingFaceText = "Hugging Face BERT-family text model"
    }

    public let folder: URL
    public let kind: Kind
    /// modules.json in pipeline order; [] for a plain Hugging Face folder.
    public let modules: [ModuleEntry]
    /// The module holding the transformer (CLIPModel or Transformer); nil for a plain Hugging Face folder.
    public let mainModule: ModuleEntry?
    /// The transformer's config.json.
    public let config: JSONObject
    /// Whether `config` describes a CLIP model (also true for a Transformer module wrapping one).
    public let isCLIP: Bool

    /// Where config.json, the main weights and the tokenizer live, relative to `folder` ("" is `folder`).
    public var modelPath: String { mainModule?.path ?? "" }
    public var modelFolder: URL { url(modelPath) }

    /// `folder/relative` ("" is `folder` itself).
    public func url(_ relative: String) -> URL { relative.isEmpty ? folder : folder.appendingPathComponent(relative) }

    public init(folder: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ModelFormatError(folder.path, "does not exist or is not a folder")
        }
        self.folder = folder
        let modulesURL = folder.appendingPathComponent("modules.json")
        modules = try ModuleEntry.read(modulesURL)
        if FileManager.default.fileExists(atPath: modulesURL.path) {
            guard !modules.isEmpty else { throw ModelFormatError(modulesURL.path, "lists no modules") }
            // CLIPModel first (it embeds images and texts); else a Transformer text encoder.
            guard let main = modules.first(where: { $0.kind == "CLIPModel" }) ?? modules.first(where: { $0.kind == "Transformer" }) else {
                throw ModelFormatError(modulesURL.path, "has neither a CLIPModel nor a Transformer module: "
                                       + modules.map(\.type).joined(separator: ", "))
            }
            mainModule = main
            config = try JSONObject(file: folder.appendingPathComponent(RelativePath.join(main.path, "config.json")))
            isCLIP = Self.isCLIPConfig(config)
            kind = main.kind == "CLIPModel" ? .sentenceTransformersCLIP : .sentenceTransformersText
        } else {
            guard let config = try JSONObject.fileIfPresent(folder.appendingPathComponent("config.json")) else {
                throw ModelFormatError(folder.path, "neither modules.json nor config.json: not a SentenceTransformers or Hugging Face model folder")
            }
            mainModule = nil
            self.config = config
            isCLIP = Self.isCLIPConfig(config)
            kind = isCLIP ? .huggingFaceCLIP : .huggingFaceText
        }
    }

    /// transformers' CLIPConfig: model_type "clip", or (older files) a vision_config without one.
    public static func isCLIPConfig(_ config: JSONObject) -> Bool {
        (try? config.string("model_type")) == "clip" || config.has("vision_config")
    }
}
