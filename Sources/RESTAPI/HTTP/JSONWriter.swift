import Database
import JSON

/// Appends compact JSON to a byte array. Responses of a 1,000-object batch echo every vector, so
/// this avoids Foundation's encoder and intermediate Strings on that path.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []

    public init(reservingCapacity capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    @inline(__always) public mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    public mutating func string(_ s: String) { JSONText.appendQuoted(s, to: &bytes) }

    public mutating func int(_ v: Int64) { JSONText.appendInt(v, to: &bytes) }

    /// Shortest round-trip text; whole numbers without ".0" (as Go prints them); non-finite as null.
    public mutating func double(_ d: Double) { JSONText.appendDouble(d, to: &bytes) }

    /// A float32 vector element: its own shortest representation, not the widened double's.
    public mutating func float(_ f: Float) {
        guard f.isFinite else { raw("null"); return }
        if f == f.rounded(.towardZero), abs(f) < 1e7 { int(Int64(f)); return }
        bytes.append(contentsOf: f.description.utf8)
    }

    public mutating func floats(_ v: [Float]) {
        bytes.append(UInt8(ascii: "["))
        for (i, f) in v.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            float(f)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    public mutating func bool(_ b: Bool) { b ? raw("true") : raw("false") }

    public mutating func value(_ v: JSONValue) { v.appendJSON(to: &bytes) }

    public static func encode(_ v: JSONValue) -> [UInt8] {
        var w = JSONWriter()
        w.value(v)
        return w.bytes
    }
}

extension JSONWriter {
    /// A stored object in Weaviate's shape (`models.Object`), keys in Go's struct order.
    /// `extra` appends fields of the enclosing response (e.g. a batch item's `result`).
    public mutating func object(_ o: WeaviateObject, includeVector: Bool, extra: ((inout JSONWriter) -> Void)? = nil) {
        raw("{")
        if let a = o.additional, !a.isEmpty { raw("\"additional\":"); value(.object(a)); raw(",") }
        raw("\"class\":"); string(o.className)
        raw(",\"creationTimeUnix\":"); int(o.creationTimeUnix)
        raw(",\"id\":"); string(o.id)
        raw(",\"lastUpdateTimeUnix\":"); int(o.lastUpdateTimeUnix)
        raw(",\"properties\":"); value(.object(o.properties))
        if let t = o.tenant, !t.isEmpty { raw(",\"tenant\":"); string(t) }
        if includeVector, let v = o.vector, !v.isEmpty { raw(",\"vector\":"); floats(v) }
        if includeVector, o.vectorName != nil {
            // Weaviate ≥ 1.24 shows a named-vector class's vectors by name.
            raw(",\"vectors\":{")
            for (k, (name, v)) in o.vectors.sorted(by: { $0.key < $1.key }).enumerated() {
                if k > 0 { raw(",") }
                string(name); raw(":"); floats(v)
            }
            raw("}")
        }
        extra?(&self)
        raw("}")
    }
}

extension JSONWriter {
    /// Appends pre-encoded JSON as it is.
    public mutating func append(contentsOf json: [UInt8]) { bytes.append(contentsOf: json) }
}
