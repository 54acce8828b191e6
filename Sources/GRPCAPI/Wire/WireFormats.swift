// The byte encodings of Weaviate's gRPC API (little-endian packed floats and ints, RFC 4122 uuid bytes).
import Foundation

enum WireFormats {
    /// `vector_bytes`: packed float32, little-endian (what the Python client's `struct.pack("<f…")` makes).
    static func float32s(_ data: Data) throws(GRPCAPIError) -> [Float] {
        guard data.count % 4 == 0 else {
            throw .invalidArgument("vector_bytes must hold whole float32 values, got \(data.count) bytes")
        }
        var out = [Float](repeating: 0, count: data.count / 4)
        data.withUnsafeBytes { raw in
            for i in out.indices {
                out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
            }
        }
        return out
    }

    static func float32Bytes(_ v: [Float]) -> Data {
        var d = Data(capacity: v.count * 4)
        for f in v { withUnsafeBytes(of: f.bitPattern.littleEndian) { d.append(contentsOf: $0) } }
        return d
    }

    /// `NumberArrayProperties.values_bytes`, `NumberValues.values`: packed float64, little-endian.
    static func float64s(_ data: Data) throws(GRPCAPIError) -> [Double] {
        guard data.count % 8 == 0 else {
            throw .invalidArgument("number array bytes must hold whole float64 values, got \(data.count) bytes")
        }
        var out = [Double](repeating: 0, count: data.count / 8)
        data.withUnsafeBytes { raw in
            for i in out.indices {
                out[i] = Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)))
            }
        }
        return out
    }

    static func float64Bytes(_ v: [Double]) -> Data {
        var d = Data(capacity: v.count * 8)
        for x in v { withUnsafeBytes(of: x.bitPattern.littleEndian) { d.append(contentsOf: $0) } }
        return d
    }

    /// `IntValues.values`: packed int64, little-endian.
    static func int64Bytes(_ v: [Int64]) -> Data {
        var d = Data(capacity: v.count * 8)
        for x in v { withUnsafeBytes(of: x.littleEndian) { d.append(contentsOf: $0) } }
        return d
    }

    /// The 16 bytes of a uuid string in RFC 4122 (big-endian) order; nil if it is not a uuid.
    /// Parsed here rather than through `UUID(uuidString:)`, whose sscanf was 1% of a search's CPU.
    static func uuidBytes(_ s: String) -> Data? {
        var bytes = [UInt8](repeating: 0, count: 16)
        var s = s
        let ok = s.withUTF8 { u -> Bool in
            guard u.count == 36 else { return false }
            var i = 0, n = 0
            while i < 36 {
                if i == 8 || i == 13 || i == 18 || i == 23 {
                    guard u[i] == UInt8(ascii: "-") else { return false }
                    i += 1
                    continue
                }
                guard let hi = hexValue(u[i]), let lo = hexValue(u[i + 1]) else { return false }
                bytes[n] = hi << 4 | lo
                n += 1
                i += 2
            }
            return true
        }
        return ok ? Data(bytes) : nil
    }

    @inline(__always) private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    static func uuidString(_ d: Data) -> String? {
        guard d.count == 16 else { return nil }
        let b = [UInt8](d)
        let u = UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
        return u.uuidString.lowercased()
    }
}
