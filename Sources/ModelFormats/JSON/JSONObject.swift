import Foundation
import JSON

/// A JSON object from a model folder (config.json and friends), with typed accessors for model configs.
/// A thin layer over the shared `JSONValue`: it adds the file and key path to error messages.
///
/// Accessors are strict: an absent key or `null` gives nil, a value of the wrong type throws a
/// `ModelFormatError` naming `context` (the file, then the keys leading here). Callers that only
/// describe a folder and tolerate odd values write `try? json.int("key")` or use `lenient`.
public struct JSONObject: Sendable {
    public let fields: [String: JSONValue]
    /// Where the object comes from, for error messages: "path/config.json → text_config".
    public let context: String

    public init(fields: [String: JSONValue], context: String) {
        self.fields = fields
        self.context = context
    }

    /// An object as JSONSerialization (or a Swift literal) gives it.
    public init(raw: [String: Any], context: String) {
        self.init(fields: raw.mapValues(JSONObject.value(of:)), context: context)
    }

    /// The fields as Foundation objects (Int, Double, Bool, String, NSNull, arrays, dictionaries), for
    /// handing a config to JSONSerialization (the inference container's `/meta`).
    public var raw: [String: Any] { fields.mapValues(JSONObject.foundationObject(_:)) }

    /// Reads a file holding one JSON object.
    public init(file url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelFormatError(url.path, "cannot read the file (\(error.localizedDescription))")
        }
        let value: JSONValue
        do { value = try JSONValue.parse(data, strictUnicode: true) } catch let e as JSONParseError {
            throw ModelFormatError(url.path, "not valid JSON (\(e.message) at byte \(e.offset))")
        }
        guard case .object(let fields) = value else { throw ModelFormatError(url.path, "expected a JSON object") }
        self.init(fields: fields, context: url.path)
    }

    /// The object in `url`, or nil when there is no such file.
    public static func fileIfPresent(_ url: URL) throws -> JSONObject? {
        FileManager.default.fileExists(atPath: url.path) ? try JSONObject(file: url) : nil
    }

    /// The value at `key` unless absent or null.
    func present(_ key: String) -> JSONValue? {
        guard let v = fields[key], !v.isNull else { return nil }
        return v
    }

    /// Whether `key` holds a value other than null.
    public func has(_ key: String) -> Bool { present(key) != nil }

    private func wrongType(_ key: String, _ what: String) -> ModelFormatError {
        ModelFormatError(context, "\"\(key)\" must be \(what)")
    }

    /// A nested object; nil when absent or null.
    public func object(_ key: String) throws -> JSONObject? {
        guard let v = present(key) else { return nil }
        guard case .object(let o) = v else { throw wrongType(key, "an object") }
        return JSONObject(fields: o, context: "\(context) → \(key)")
    }

    /// An integral number (1.0 is accepted, 1.5 and booleans are not).
    public func int(_ key: String) throws -> Int? {
        switch present(key) {
        case nil: return nil
        case .int(let i)?:
            guard abs(i) < 1_000_000_000_000_000 else { throw wrongType(key, "an integer, got \(i)") }
            return Int(i)
        case .double(let d)?:
            guard d.rounded() == d, abs(d) < 1e15 else { throw wrongType(key, "an integer, got \(d)") }
            return Int(d)
        default: throw wrongType(key, "an integer")
        }
    }

    public func int(_ key: String, default value: Int) throws -> Int { try int(key) ?? value }

    /// An integer the file must have.
    public func require(_ key: String) throws -> Int {
        guard let v = try int(key) else { throw ModelFormatError(context, "missing \"\(key)\"") }
        return v
    }

    /// A number (true and false read as 1 and 0, as they always have here).
    public func double(_ key: String) throws -> Double? {
        switch present(key) {
        case nil: return nil
        case .bool(let b)?: return b ? 1 : 0
        case let v?:
            guard let d = v.doubleValue else { throw wrongType(key, "a number") }
            return d
        }
    }

    public func double(_ key: String, default value: Double) throws -> Double { try double(key) ?? value }

    public func string(_ key: String) throws -> String? {
        guard let v = present(key) else { return nil }
        guard case .string(let s) = v else { throw wrongType(key, "a string") }
        return s
    }

    /// true/false, or a number (0 is false).
    public func bool(_ key: String) throws -> Bool? {
        switch present(key) {
        case nil: return nil
        case .bool(let b)?: return b
        case .int(let i)?: return i != 0
        case .double(let d)?: return d != 0
        default: throw wrongType(key, "a boolean")
        }
    }

    /// A list of numbers.
    public func doubles(_ key: String) throws -> [Double]? {
        guard let v = present(key) else { return nil }
        guard case .array(let list) = v else { throw wrongType(key, "a list of numbers") }
        return try list.map {
            guard let d = $0.doubleValue else { throw wrongType(key, "a list of numbers") }
            return d
        }
    }

    /// `self` with the non-null values of `other` on top: CLIP's legacy `text_config_dict` /
    /// `vision_config_dict` over `text_config` / `vision_config`, as transformers merges them.
    public func overlaid(with other: JSONObject?) -> JSONObject {
        guard let other else { return self }
        var merged = fields
        for (key, value) in other.fields where !value.isNull { merged[key] = value }
        return JSONObject(fields: merged, context: context)
    }
}

extension JSONObject {
    /// The same object read leniently: a value of the wrong type reads as absent (nil) instead of throwing.
    /// For code that describes a folder (`iris model inspect`) rather than loads it.
    public var lenient: Lenient { Lenient(strict: self) }

    public struct Lenient: Sendable {
        public let strict: JSONObject
        public var fields: [String: JSONValue] { strict.fields }

        public init(strict: JSONObject) { self.strict = strict }

        public func object(_ key: String) -> Lenient? { (try? strict.object(key))?.lenient }
        /// An integral number; a fractional one is truncated, as a description shows it.
        public func int(_ key: String) -> Int? {
            switch fields[key] {
            case .int(let i)?: return Int(exactly: i)
            case .double(let d)? where d.isFinite && abs(d) < 9.2e18: return Int(d)
            default: return nil
            }
        }
        public func double(_ key: String) -> Double? { try? strict.double(key) }
        public func string(_ key: String) -> String? { try? strict.string(key) }
        public func bool(_ key: String) -> Bool? { try? strict.bool(key) }
        /// The numbers of a list (other elements are skipped).
        public func doubles(_ key: String) -> [Double]? { fields[key]?.arrayValue?.compactMap(\.doubleValue) }
        /// How many elements an array or object at `key` has.
        public func count(_ key: String) -> Int? {
            switch fields[key] {
            case .array(let a)?: return a.count
            case .object(let o)?: return o.count
            default: return nil
            }
        }
        public func overlaid(with other: Lenient?) -> Lenient { strict.overlaid(with: other?.strict).lenient }
    }
}

extension JSONObject {
    /// JSONSerialization's objects (and Swift literals) as JSON values. JSONSerialization's booleans are
    /// NSNumbers like its numbers; they are told apart by their C type ("c"), since `is Bool` also holds
    /// for the numbers 0 and 1.
    static func value(of any: Any) -> JSONValue {
        switch any {
        case let b as Bool where type(of: any) == Bool.self: return .bool(b)
        case let i as Int where type(of: any) == Int.self: return .int(Int64(i))
        case let d as Double where type(of: any) == Double.self: return .double(d)
        case let s as String: return .string(s)
        case let n as NSNumber:
            switch String(cString: n.objCType) {
            case "c", "B": return .bool(n.boolValue)
            case "d", "f": return .double(n.doubleValue)
            default: return .int(n.int64Value)
            }
        case let a as [Any]: return .array(a.map(value(of:)))
        case let o as [String: Any]: return .object(o.mapValues(value(of:)))
        default: return .null
        }
    }

    static func foundationObject(_ v: JSONValue) -> Any {
        switch v {
        case .null: return NSNull()
        case .bool(let b): return b
        case .int(let i): return Int(i)
        case .double(let d): return d
        case .string(let s): return s
        case .array(let a): return a.map(foundationObject(_:))
        case .object(let o): return o.mapValues(foundationObject(_:))
        }
    }
}
