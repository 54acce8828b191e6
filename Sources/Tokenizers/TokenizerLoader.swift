import Foundation

/// Picks and loads the tokenizer of a model folder.
///
/// Usage (the CLIP engine):
///
///     let tokenizer = try TokenizerLoader.load(directory: modelFolder)          // any TextTokenizer
///     let ids: [Int32] = tokenizer.encode("a photo of a cat")                  // [49406, 320, 1125, 539, 320, 2368, 49407]
///     let batch = tokenizer.encode(batch: texts)                               // each at its own length
///
/// Which tokenizer: tokenizer.json decides by its model type (`BPE` -> ``CLIPTokenizer``, `WordPiece` ->
/// ``WordPieceTokenizer``); without it, vocab.json + merges.txt mean CLIP and vocab.txt means WordPiece.
/// If the folder has none of these but a sentence-transformers modules.json, the first module folder that
/// has them is used (e.g. `0_CLIPModel/`).
///
/// `maxLength` overrides the folder's limit: CLIP uses tokenizer_config.json's model_max_length (77);
/// WordPiece uses sentence_bert_config.json's max_seq_length, else model_max_length. Truncation always keeps
/// the final special token. Errors are ``TokenizerError`` with the file and the reason.
public enum TokenizerLoader {
    public enum Kind: String, Sendable {
        case clipBPE
        case wordPiece
    }

    public static func load(directory: URL, maxLength: Int? = nil) throws -> any TextTokenizer {
        let (dir, kind) = try locate(directory: directory)
        switch kind {
        case .clipBPE: return try CLIPTokenizer(directory: dir, maxLength: maxLength)
        case .wordPiece: return try WordPieceTokenizer(directory: dir, maxLength: maxLength)
        }
    }

    /// The folder that holds the tokenizer files and which tokenizer they describe, without loading it.
    public static func locate(directory: URL) throws -> (directory: URL, kind: Kind) {
        if let kind = try kind(of: directory) { return (directory, kind) }
        let modules = directory.appendingPathComponent("modules.json")
        if let list = try JSONValue.readIfPresent(modules)?.array {
            for module in list {
                guard let sub = module["path"]?.string, !sub.isEmpty else { continue }
                let dir = directory.appendingPathComponent(sub)
                if let kind = try kind(of: dir) { return (dir, kind) }
            }
        }
        throw TokenizerError.noTokenizerFiles(directory: directory.path)
    }

    private static func kind(of dir: URL) throws -> Kind? {
        let fm = FileManager.default
        let json = dir.appendingPathComponent("tokenizer.json")
        if fm.fileExists(atPath: json.path) {
            let type = try modelType(json)
            switch type {
            case "BPE": return .clipBPE
            case "WordPiece": return .wordPiece
            default: throw TokenizerError.unsupported(path: json.path, what: "model type \(type ?? "none")")
            }
        }
        if fm.fileExists(atPath: dir.appendingPathComponent("vocab.json").path)
            && fm.fileExists(atPath: dir.appendingPathComponent("merges.txt").path) { return .clipBPE }
        if fm.fileExists(atPath: dir.appendingPathComponent("vocab.txt").path) { return .wordPiece }
        return nil
    }

    /// model.type of a tokenizer.json, decoded without the vocabulary.
    private static func modelType(_ url: URL) throws -> String? {
        struct Header: Decodable {
            struct Model: Decodable {
                let type: String?
                let merges: JSONValue?
                let continuing_subword_prefix: String?
            }
            let model: Model
        }
        let header: Header
        do { header = try JSONDecoder().decode(Header.self, from: Data(contentsOf: url)) } catch {
            throw TokenizerError.unreadableFile(path: url.path, reason: "\(error)")
        }
        // Old files may omit the type; merges mean BPE, a "##" prefix without merges means WordPiece.
        if let t = header.model.type { return t }
        if header.model.merges != nil { return "BPE" }
        if header.model.continuing_subword_prefix != nil { return "WordPiece" }
        return nil
    }
}
