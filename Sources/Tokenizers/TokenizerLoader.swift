import Foundation
import JSON

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
        let found = try find(directory: directory)
        switch found.kind {
        case .clipBPE: return try CLIPTokenizer(directory: found.directory, maxLength: maxLength, parsed: found.parsed)
        case .wordPiece: return try WordPieceTokenizer(directory: found.directory, maxLength: maxLength, parsed: found.parsed)
        }
    }

    /// The folder that holds the tokenizer files and which tokenizer they describe, without loading it.
    public static func locate(directory: URL) throws -> (directory: URL, kind: Kind) {
        let found = try find(directory: directory)
        return (found.directory, found.kind)
    }

    private struct Found {
        let directory: URL
        let kind: Kind
        let parsed: TokenizerFile?   // tokenizer.json, read once and handed to the tokenizer
    }

    private static func find(directory: URL) throws -> Found {
        if let found = try inspect(directory) { return found }
        let modules = directory.appendingPathComponent("modules.json")
        if let list = try JSONValue.readIfPresent(modules)?.array {
            for module in list {
                guard let sub = module["path"]?.string, !sub.isEmpty else { continue }
                if let found = try inspect(directory.appendingPathComponent(sub)) { return found }
            }
        }
        throw TokenizerError.noTokenizerFiles(directory: directory.path)
    }

    private static func inspect(_ dir: URL) throws -> Found? {
        let fm = FileManager.default
        let json = dir.appendingPathComponent("tokenizer.json")
        if fm.fileExists(atPath: json.path) {
            let file = try TokenizerFile.read(json)
            // Old files may omit the type; merges mean BPE, a "##" prefix without merges means WordPiece.
            let type = file.model.type
                ?? (file.model.merges != nil ? "BPE" : file.model.continuing_subword_prefix != nil ? "WordPiece" : nil)
            switch type {
            case "BPE": return Found(directory: dir, kind: .clipBPE, parsed: file)
            case "WordPiece": return Found(directory: dir, kind: .wordPiece, parsed: file)
            default: throw TokenizerError.unsupported(path: json.path, what: "model type \(type ?? "none")")
            }
        }
        if fm.fileExists(atPath: dir.appendingPathComponent("vocab.json").path)
            && fm.fileExists(atPath: dir.appendingPathComponent("merges.txt").path) {
            return Found(directory: dir, kind: .clipBPE, parsed: nil)
        }
        if fm.fileExists(atPath: dir.appendingPathComponent("vocab.txt").path) {
            return Found(directory: dir, kind: .wordPiece, parsed: nil)
        }
        return nil
    }
}
