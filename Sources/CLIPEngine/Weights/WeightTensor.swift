/// A tensor read from a checkpoint, converted to fp32, contiguous in row-major (C) order.
public struct WeightTensor {
    public var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        self.shape = shape
        self.values = values
    }

    public var count: Int { shape.reduce(1, *) }
}

/// The element types a checkpoint may store. Floating types are converted to fp32 on load;
/// integer tensors (buffers such as position_ids) are listed but never loaded as weights.
enum StoredDType: String {
    case f32 = "F32", f16 = "F16", bf16 = "BF16", f64 = "F64"
    case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", bool = "BOOL"

    var byteSize: Int {
        switch self {
        case .f64, .i64: return 8
        case .f32, .i32: return 4
        case .f16, .bf16, .i16: return 2
        case .i8, .u8, .bool: return 1
        }
    }

    var isFloat: Bool { self == .f32 || self == .f16 || self == .bf16 || self == .f64 }
}

/// Converts `count` little-endian elements of `dtype` at `src` to fp32 (unaligned reads are fine).
func convertToFloat(_ src: UnsafeRawPointer, dtype: StoredDType, count: Int, into dst: UnsafeMutablePointer<Float>) throws {
    switch dtype {
    case .f32:
        UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: count * 4)
        #if _endian(big)
        for i in 0..<count { dst[i] = Float(bitPattern: UInt32(littleEndian: dst[i].bitPattern)) }
        #endif
    case .f16:
        for i in 0..<count {
            let bits = UInt16(littleEndian: src.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
            dst[i] = halfToFloat(bits)
        }
    case .bf16:
        for i in 0..<count {
            let bits = UInt16(littleEndian: src.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
            dst[i] = Float(bitPattern: UInt32(bits) << 16)
        }
    case .f64:
        for i in 0..<count {
            let bits = UInt64(littleEndian: src.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))
            dst[i] = Float(Double(bitPattern: bits))
        }
    default:
        throw CLIPEngineError("tensor of type \(dtype.rawValue) cannot be used as a float weight")
    }
}

/// IEEE half → float, including subnormals, infinities and NaN (no reliance on the Float16 type,
/// which is unavailable on some x86 toolchains).
@inline(__always)
func halfToFloat(_ h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let exp = Int((h >> 10) & 0x1F)
    let mant = UInt32(h & 0x3FF)
    if exp == 0 {
        if mant == 0 { return Float(bitPattern: sign) }
        // subnormal: mant * 2^-24
        let v = Float(mant) * Float(bitPattern: 0x3380_0000) // 2^-24
        return sign != 0 ? -v : v
    }
    if exp == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (mant << 13)) }
    return Float(bitPattern: sign | UInt32(exp - 15 + 127) << 23 | (mant << 13))
}
