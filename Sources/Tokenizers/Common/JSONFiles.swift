import Foundation
import JSON

/// Tokenizer files are read with the shared parser (JSON target), strictly: invalid UTF-8 or a lone
/// surrogate in a vocabulary means a corrupt file, not text to repair. The short accessor names are the
/// ones the tokenizer code was written with.
extension JSONValue {
    /// tokenizer.json nests a few levels; this leaves room without letting a corrupt file recurse deeply.
    static let tokenizerMaxDepth = 256

    var string: String? { stringValue }
    var bool: Bool? { boolValue }
    /// An integral number below 1e15 (vocabulary ids, lengths); 2.0 counts, 2.5 does not.
    var int: Int? {
        switch self {
        case .int(let i) where abs(i) < 1_000_000_000_000_000: return Int(i)
        case .double(let d) where d.rounded() == d && abs(d) < 1e15: return Int(d)
        default: return nil
        }
    }
    var array: [JSONValue]? { arrayValue }
    var object: [String: JSONValue]? { objectValue }

    /// Reads and parses a whole JSON file.
    static func read(_ url: URL) throws -> JSONValue {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TokenizerError.unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        do { return try JSONValue.parse(data, maxDepth: tokenizerMaxDepth, strictUnicode: true) } catch let e as JSONParseError {
            throw TokenizerError.unreadableFile(path: url.path, reason: "invalid JSON (\(e.message) at byte \(e.offset))")
        }
    }

    /// Reads a JSON file if it exists; nil when absent.
    static func readIfPresent(_ url: URL) throws -> JSONValue? {
        FileManager.default.fileExists(atPath: url.path) ? try read(url) : nil
    }
}

/// A special-token entry in tokenizer_config.json / special_tokens_map.json: either a plain string or an
/// AddedToken dictionary ({"content": ..., "normalized": ...}).
struct ConfigToken {
    let content: String
    let normalized: Bool?

    init?(_ value: JSONValue?) {
        guard let value else { return nil }
        if let s = value.string { content = s; normalized = nil; return }
        guard let s = value["content"]?.string else { return nil }
        content = s
        normalized = value["normalized"]?.bool
    }
}
