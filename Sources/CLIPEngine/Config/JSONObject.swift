import Foundation

/// A parsed JSON object (as JSONSerialization gives it) with typed, error-reporting accessors.
/// `context` names the file, so a missing or mistyped key produces a message that says where.
struct JSONObject {
    let raw: [String: Any]
    let context: String

    init(raw: [String: Any], context: String) {
        self.raw = raw
        self.context = context
    }

    init(file url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CLIPEngineError("cannot read \(url.path): \(error.localizedDescription)")
        }
        guard let any = try? JSONSerialization.jsonObject(with: data), let dict = any as? [String: Any] else {
            throw CLIPEngineError("\(url.path) is not a JSON object")
        }
        self.init(raw: dict, context: url.path)
    }

    func has(_ key: String) -> Bool {
        guard let v = raw[key] else { return false }
        return !(v is NSNull)
    }

    /// A nested object; nil when absent or null.
    func object(_ key: String) throws -> JSONObject? {
        guard has(key) else { return nil }
        guard let d = raw[key] as? [String: Any] else {
            throw CLIPEngineError("\(context): \"\(key)\" must be an object")
        }
        return JSONObject(raw: d, context: "\(context) → \(key)")
    }

    func int(_ key: String) throws -> Int? {
        guard has(key) else { return nil }
        if let n = raw[key] as? NSNumber {
            let d = n.doubleValue
            guard d.rounded() == d, abs(d) < 1e15 else {
                throw CLIPEngineError("\(context): \"\(key)\" must be an integer, got \(n)")
            }
            return Int(d)
        }
        throw CLIPEngineError("\(context): \"\(key)\" must be an integer")
    }

    func int(_ key: String, default value: Int) throws -> Int { try int(key) ?? value }

    func require(_ key: String) throws -> Int {
        guard let v = try int(key) else { throw CLIPEngineError("\(context): missing \"\(key)\"") }
        return v
    }

    func double(_ key: String) throws -> Double? {
        guard has(key) else { return nil }
        guard let n = raw[key] as? NSNumber else {
            throw CLIPEngineError("\(context): \"\(key)\" must be a number")
        }
        return n.doubleValue
    }

    func double(_ key: String, default value: Double) throws -> Double { try double(key) ?? value }

    func string(_ key: String) throws -> String? {
        guard has(key) else { return nil }
        guard let s = raw[key] as? String else { throw CLIPEngineError("\(context): \"\(key)\" must be a string") }
        return s
    }

    func bool(_ key: String) throws -> Bool? {
        guard has(key) else { return nil }
        if let b = raw[key] as? Bool { return b }
        if let n = raw[key] as? NSNumber { return n.boolValue }
        throw CLIPEngineError("\(context): \"\(key)\" must be a boolean")
    }
}
