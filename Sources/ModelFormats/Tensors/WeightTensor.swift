/// A tensor read from a checkpoint, converted to fp32, contiguous in row-major (C) order.
public struct WeightTensor: Sendable {
    public var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        self.shape = shape
        self.values = values
    }

    public var count: Int { shape.reduce(1, *) }
}

/// The element types a checkpoint may store, by their safetensors names. Floating types are converted to
/// fp32 on load; integer tensors (buffers such as position_ids) and 8-bit floats are listed but never
/// loaded as weights.
public enum TensorDType: String, Sendable {
    case f32 = "F32", f16 = "F16", bf16 = "BF16", f64 = "F64"
    case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", bool = "BOOL"
    case u64 = "U64", u32 = "U32", u16 = "U16", f8e4m3 = "F8_E4M3", f8e5m2 = "F8_E5M2"

    public var byteSize: Int {
        switch self {
        case .f64, .i64, .u64: return 8
        case .f32, .i32, .u32: return 4
        case .f16, .bf16, .i16, .u16: return 2
        case .i8, .u8, .bool, .f8e4m3, .f8e5m2: return 1
        }
    }

    /// Whether `convertToFloat` reads it.
    public var isFloat: Bool { self == .f32 || self == .f16 || self == .bf16 || self == .f64 }
}

/// Converts `count` little-endian elements of `dtype` at `src` to fp32 (unaligned reads are fine).
func convertToFloat(_ src: UnsafeRawPointer, dtype: TensorDType, count: Int, into dst: UnsafeMutablePointer<Float>) throws {
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
        throw ModelFormatError("tensor data", "a \(dtype.rawValue) tensor cannot be used as a float weight")
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
