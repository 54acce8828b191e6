import Foundation

/// A parsed JSON value (see ``JSONParser``): tokenizer.json and the config files.
enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    var string: String? { if case .string(let s) = self { return s }; return nil }
    var bool: Bool? { if case .bool(let b) = self { return b }; return nil }
    var int: Int? {
        if case .number(let d) = self, d.rounded() == d, abs(d) < 1e15 { return Int(d) }
        return nil
    }
    var array: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    var object: [String: JSONValue]? { if case .object(let o) = self { return o }; return nil }
    var isNull: Bool { if case .null = self { return true }; return false }

    /// Reads and parses a whole JSON file.
    static func read(_ url: URL) throws -> JSONValue {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TokenizerError.unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        do { return try JSONParser.parse(data) } catch {
            throw TokenizerError.unreadableFile(path: url.path, reason: "invalid JSON (\(error))")
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
