import Foundation

/// Loose, typed access to a JSON object read from a model config (configs vary by library version,
/// so every field is optional and numbers may arrive as Int or Double).
struct JSONObject {
    let values: [String: Any]

    static func load(_ url: URL) throws -> JSONObject {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw InspectError(url.path, "cannot read the file")
        }
        do {
            guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw InspectError(url.path, "expected a JSON object")
            }
            return JSONObject(values: object)
        } catch let error as InspectError {
            throw error
        } catch {
            throw InspectError(url.path, "not valid JSON (\(error.localizedDescription))")
        }
    }

    static func loadIfPresent(_ url: URL) throws -> JSONObject? {
        FileManager.default.fileExists(atPath: url.path) ? try load(url) : nil
    }

    func object(_ key: String) -> JSONObject? {
        (values[key] as? [String: Any]).map(JSONObject.init)
    }

    func int(_ key: String) -> Int? {
        if let n = values[key] as? NSNumber, !(values[key] is Bool) { return n.intValue }
        return nil
    }

    func double(_ key: String) -> Double? {
        (values[key] as? NSNumber)?.doubleValue
    }

    func string(_ key: String) -> String? { values[key] as? String }

    func bool(_ key: String) -> Bool? {
        if let b = values[key] as? Bool { return b }
        if let n = values[key] as? NSNumber { return n.intValue != 0 }
        return nil
    }

    func doubles(_ key: String) -> [Double]? {
        (values[key] as? [Any])?.compactMap { ($0 as? NSNumber)?.doubleValue }
    }

    /// `self` with the non-null values of `other` on top (used for CLIP's legacy `*_config_dict`).
    func overlaid(with other: JSONObject?) -> JSONObject {
        guard let other else { return self }
        var merged = values
        for (key, value) in other.values where !(value is NSNull) { merged[key] = value }
        return JSONObject(values: merged)
    }
}
