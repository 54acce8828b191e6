import Database

/// Appends compact JSON to a byte array. Responses of a 1,000-object batch echo every vector, so
/// this avoids Foundation's encoder and intermediate Strings on that path.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []

    public init(reservingCapacity capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    @inline(__always) public mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    public mutating func string(_ s: String) {
        bytes.append(0x22)
        var s = s
        s.withUTF8 { utf8 in
            var runStart = 0
            for i in 0..<utf8.count {
                let c = utf8[i]
                if c >= 0x20 && c != 0x22 && c != 0x5C { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i]))
                runStart = i + 1
                switch c {
                case 0x22: raw("\\\"")
                case 0x5C: raw("\\\\")
                case 0x0A: raw("\\n")
                case 0x0D: raw("\\r")
                case 0x09: raw("\\t")
                default:
                    raw("\\u00")
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    bytes.append(hex[Int(c >> 4)])
                    bytes.append(hex[Int(c & 0xF)])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
        }
        bytes.append(0x22)
    }

    public mutating func int(_ v: Int64) { bytes.append(contentsOf: String(v).utf8) }

    /// Shortest round-trip text; whole numbers without ".0" (as Go prints them); non-finite as null.
    public mutating func double(_ d: Double) {
        guard d.isFinite else { raw("null"); return }
        if d == d.rounded(.towardZero), abs(d) < 1e15 { int(Int64(d)); return }
        bytes.append(contentsOf: d.description.utf8)
    }

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

    public mutating func value(_ v: JSONValue) {
        switch v {
        case .null: raw("null")
        case .bool(let b): bool(b)
        case .int(let i): int(i)
        case .double(let d): double(d)
        case .string(let s): string(s)
        case .array(let a):
            bytes.append(UInt8(ascii: "["))
            for (i, e) in a.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                value(e)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let o):
            bytes.append(UInt8(ascii: "{"))
            for (i, k) in o.keys.sorted().enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                string(k)
                bytes.append(UInt8(ascii: ":"))
                value(o[k]!)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

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
        if includeVector, let v = o.vector, !v.isEmpty { raw(",\"vector\":"); floats(v) }
        extra?(&self)
        raw("}")
    }
}

extension JSONWriter {
    /// Appends pre-encoded JSON as it is.
    public mutating func append(contentsOf json: [UInt8]) { bytes.append(contentsOf: json) }
}
