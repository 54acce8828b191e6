import Foundation

/// Vectors are stored as little-endian Float32 BLOBs (4 bytes per dimension).
public enum VectorCoding {
    public static func encode(_ v: [Float]) -> Data {
        var data = Data(count: v.count * 4)
        data.withUnsafeMutableBytes { raw in
            let out = raw.bindMemory(to: UInt32.self)
            for i in 0..<v.count { out[i] = v[i].bitPattern.littleEndian }
        }
        return data
    }

    public static func decode(_ data: Data) -> [Float] {
        let n = data.count / 4
        return [Float](unsafeUninitializedCapacity: n) { buf, count in
            data.withUnsafeBytes { raw in
                for i in 0..<n {
                    let bits = raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)
                    buf[i] = Float(bitPattern: UInt32(littleEndian: bits))
                }
            }
            count = n
        }
    }
}
