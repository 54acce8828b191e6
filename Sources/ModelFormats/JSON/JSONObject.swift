import Foundation

/// A JSON object as JSONSerialization gives it, with typed accessors for model configs.
///
/// Accessors are strict: an absent key or `null` gives nil, a value of the wrong type throws a
/// `ModelFormatError` naming `context` (the file, then the keys leading here). Callers that only
/// describe a folder and tolerate odd values write `try? json.int("key")`.
public struct JSONObject: @unchecked Sendable {
    public let raw: [String: Any]
    /// Where the object comes from, for error messages: "path/config.json → text_config".
    public let context: String

    public init(raw: [String: Any], context: String) {
        self.raw = raw
        self.context = context
    }

    /// Reads a file holding one JSON object.
    public init(file url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelFormatError(url.path, "cannot read the file (\(error.localizedDescription))")
        }
        let any: Any
        do { any = try JSONSerialization.jsonObject(with: data) } catch {
            throw ModelFormatError(url.path, "not valid JSON (\(error.localizedDescription))")
        }
        guard let dict = any as? [String: Any] else { throw ModelFormatError(url.path, "expected a JSON object") }
        self.init(raw: dict, context: url.path)
    }

    /// The object in `url`, or nil when there is no such file.
    public static func fileIfPresent(_ url: URL) throws -> JSONObject? {
        FileManager.default.fileExists(atPath: url.path) ? try JSONObject(file: url) : nil
    }

    /// Whether `key` holds a value other than null.
    public func has(_ key: String) -> Bool {
        guard let v = raw[key] else { return false }
        return !(v is NSNull)
    }

    private func wrongType(_ key: String, _ what: String) -> ModelFormatError {
        ModelFormatError(context, "\"\(key)\" must be \(what)")
    }

    /// A nested object; nil when absent or null.
    public func object(_ key: String) throws -> JSONObject? {
        guard has(key) else { return nil }
        guard let d = raw[key] as? [String: Any] else { throw wrongType(key, "an object") }
        return JSONObject(raw: d, context: "\(context) → \(key)")
    }

    /// An integral number (1.0 is accepted, 1.5 and booleans are not).
    public func int(_ key: String) throws -> Int? {
        guard has(key) else { return nil }
        guard let n = raw[key] as? NSNumber, !isJSONBoolean(n) else { throw wrongType(key, "an integer") }
        let d = n.doubleValue
        guard d.rounded() == d, abs(d) < 1e15 else { throw wrongType(key, "an integer, got \(n)") }
        return Int(d)
    }

    public func int(_ key: String, default value: Int) throws -> Int { try int(key) ?? value }

    /// An integer the file must have.
    public func require(_ key: String) throws -> Int {
        guard let v = try int(key) else { throw ModelFormatError(context, "missing \"\(key)\"") }
        return v
    }

    public func double(_ key: String) throws -> Double? {
        guard has(key) else { return nil }
        guard let n = raw[key] as? NSNumber else { throw wrongType(key, "a number") }
        return n.doubleValue
    }

    public func double(_ key: String, default value: Double) throws -> Double { try double(key) ?? value }

    public func string(_ key: String) throws -> String? {
        guard has(key) else { return nil }
        guard let s = raw[key] as? String else { throw wrongType(key, "a string") }
        return s
    }

    /// true/false, or a number (0 is false).
    public func bool(_ key: String) throws -> Bool? {
        guard has(key) else { return nil }
        if let b = raw[key] as? Bool { return b }
        if let n = raw[key] as? NSNumber { return n.boolValue }
        throw wrongType(key, "a boolean")
    }

    /// A list of numbers.
    public func doubles(_ key: String) throws -> [Double]? {
        guard has(key) else { return nil }
        guard let list = raw[key] as? [Any] else { throw wrongType(key, "a list of numbers") }
        return try list.map {
            guard let n = $0 as? NSNumber, !isJSONBoolean(n) else { throw wrongType(key, "a list of numbers") }
            return n.doubleValue
        }
    }

    /// `self` with the non-null values of `other` on top: CLIP's legacy `text_config_dict` /
    /// `vision_config_dict` over `text_config` / `vision_config`, as transformers merges them.
    public func overlaid(with other: JSONObject?) -> JSONObject {
        guard let other else { return self }
        var merged = raw
        for (key, value) in other.raw where !(value is NSNull) { merged[key] = value }
        return JSONObject(raw: merged, context: context)
    }
}

extension JSONObject {
    /// The same object read leniently: a value of the wrong type reads as absent (nil) instead of throwing.
    /// For code that describes a folder (`iris model inspect`) rather than loads it.
    public var lenient: Lenient { Lenient(strict: self) }

    public struct Lenient: @unchecked Sendable {
        public let strict: JSONObject
        public var raw: [String: Any] { strict.raw }

        public init(strict: JSONObject) { self.strict = strict }

        public func object(_ key: String) -> Lenient? { (try? strict.object(key))?.lenient }
        /// An integral number; a fractional one is truncated, as a description shows it.
        public func int(_ key: String) -> Int? {
            guard let n = raw[key] as? NSNumber, !isJSONBoolean(n) else { return nil }
            return n.intValue
        }
        public func double(_ key: String) -> Double? { try? strict.double(key) }
        public func string(_ key: String) -> String? { try? strict.string(key) }
        public func bool(_ key: String) -> Bool? { try? strict.bool(key) }
        /// The numbers of a list (other elements are skipped).
        public func doubles(_ key: String) -> [Double]? {
            (raw[key] as? [Any])?.compactMap { ($0 as? NSNumber).flatMap { isJSONBoolean($0) ? nil : $0.doubleValue } }
        }
        public func overlaid(with other: Lenient?) -> Lenient { strict.overlaid(with: other?.strict).lenient }
    }
}

/// Whether JSONSerialization made this NSNumber from `true`/`false`. (`value is Bool` cannot tell: 0 and 1
/// bridge to Bool too.) Booleans are stored as C chars; JSON numbers never are.
func isJSONBoolean(_ n: NSNumber) -> Bool { String(cString: n.objCType) == "c" }
