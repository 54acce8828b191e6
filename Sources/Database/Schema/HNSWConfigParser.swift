import VectorIndex

/// Reads and defaults `vectorIndexConfig` (reference section 7), keeping unknown keys such as `pq`.
enum HNSWConfigParser {
    static let pqDefaults: JSONValue = [
        "enabled": false, "bitCompression": false, "segments": 0, "centroids": 256,
        "encoder": ["type": "kmeans", "distribution": "log-normal"],
    ]

    /// The typed settings; missing keys take their defaults. Throws 422 messages for invalid values.
    static func parse(_ json: JSONValue?) throws -> HNSWConfig {
        var c = HNSWConfig()
        guard let json, !json.isNull else { return c }
        guard let o = json.objectValue else {
            throw DatabaseError.unprocessable("invalid hnsw config: vectorIndexConfig must be an object")
        }
        func int(_ key: String) throws -> Int? {
            guard let v = o[key], !v.isNull else { return nil }
            guard let i = v.intValue else {
                throw DatabaseError.unprocessable("invalid hnsw config: \(key) must be an integer")
            }
            return Int(i)
        }
        if let v = try int("ef") { c.ef = v }
        if let v = try int("efConstruction") { c.efConstruction = v }
        if let v = try int("maxConnections") { c.maxConnections = v }
        if let v = try int("dynamicEfMin") { c.dynamicEfMin = v }
        if let v = try int("dynamicEfMax") { c.dynamicEfMax = v }
        if let v = try int("dynamicEfFactor") { c.dynamicEfFactor = v }
        if let v = try int("flatSearchCutoff") { c.flatSearchCutoff = v }
        if let v = try int("cleanupIntervalSeconds") { c.cleanupIntervalSeconds = v }
        if let v = try int("vectorCacheMaxObjects") { c.vectorCacheMaxObjects = v }
        if let v = o["skip"], !v.isNull {
            guard let b = v.boolValue else { throw DatabaseError.unprocessable("invalid hnsw config: skip must be a boolean") }
            c.skip = b
        }
        if let v = o["distance"], !v.isNull {
            guard let s = v.stringValue, let m = DistanceMetric(rawValue: s) else {
                throw DatabaseError.unprocessable(
                    "unsupported distance type '\(v.stringValue ?? v.jsonString())', choose one of: cosine, dot, l2-squared, manhattan, hamming")
            }
            c.distance = m
        }
        if c.maxConnections < 4 {
            throw DatabaseError.unprocessable("invalid hnsw config: maxConnections must be a positive integer with a minimum of 4")
        }
        if c.efConstruction < 4 {
            throw DatabaseError.unprocessable("invalid hnsw config: efConstruction must be a positive integer with a minimum of 4")
        }
        return c
    }

    /// The full config object to store and echo: the user's keys over the defaults (unknown keys kept).
    static func withDefaults(_ json: JSONValue?, defaultDistance: DistanceMetric?) throws -> JSONValue {
        let user = json?.objectValue ?? [:]
        if let json, !json.isNull, json.objectValue == nil {
            throw DatabaseError.unprocessable("invalid hnsw config: vectorIndexConfig must be an object")
        }
        let d = HNSWConfig()
        var out: [String: JSONValue] = [
            "skip": .bool(d.skip), "cleanupIntervalSeconds": .int(Int64(d.cleanupIntervalSeconds)),
            "maxConnections": .int(Int64(d.maxConnections)), "efConstruction": .int(Int64(d.efConstruction)),
            "ef": .int(Int64(d.ef)), "dynamicEfMin": .int(Int64(d.dynamicEfMin)), "dynamicEfMax": .int(Int64(d.dynamicEfMax)),
            "dynamicEfFactor": .int(Int64(d.dynamicEfFactor)), "vectorCacheMaxObjects": .int(Int64(d.vectorCacheMaxObjects)),
            "flatSearchCutoff": .int(Int64(d.flatSearchCutoff)), "distance": .string((defaultDistance ?? .cosine).rawValue),
            "pq": pqDefaults,
        ]
        for (k, v) in user where !v.isNull {
            if k == "pq" { out[k] = JSONMerge.deep(pqDefaults, v) } else { out[k] = v }
        }
        let merged = JSONValue.object(out)
        _ = try parse(merged)
        return merged
    }
}

enum JSONMerge {
    /// `overlay`'s keys over `base`, recursively for objects; non-objects replace.
    static func deep(_ base: JSONValue, _ overlay: JSONValue) -> JSONValue {
        guard case .object(var b) = base, case .object(let o) = overlay else { return overlay }
        for (k, v) in o {
            if let existing = b[k] { b[k] = deep(existing, v) } else { b[k] = v }
        }
        return .object(b)
    }
}
