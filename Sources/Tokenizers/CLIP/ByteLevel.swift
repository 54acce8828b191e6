/// GPT-2 / CLIP byte-to-unicode table: every byte gets a printable character so that byte strings can be
/// vocabulary keys. Printable bytes (`!`..`~`, `¡`..`¬`, `®`..`ÿ`) map to themselves; the other 68 bytes map
/// to U+0100, U+0101, ... in byte order.
enum ByteLevel {
    static let byteToScalar: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            let printable = (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b)
            if printable {
                table[b] = Unicode.Scalar(UInt32(b))!
            } else {
                table[b] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// The vocabulary string of one byte, optionally with a suffix (e.g. `</w>`).
    static func token(for byte: UInt8, suffix: String = "") -> String {
        var s = String(Character(byteToScalar[Int(byte)]))
        s += suffix
        return s
    }
}
