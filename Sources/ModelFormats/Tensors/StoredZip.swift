/// Reads the directory of a zip archive whose entries are stored (not compressed), which is how
/// torch.save writes checkpoints. Entries are located through the central directory (zip64 aware);
/// data offsets come from each local header.
public struct StoredZip: Sendable {
    public struct Entry: Sendable {
        public let name: String
        /// Where the entry's bytes start in the file; -1 when the entry is compressed (not readable here).
        public let dataOffset: Int
        public let size: Int
    }

    public let entries: [String: Entry]
    /// Entry names in central-directory order.
    public let entryNames: [String]

    /// Whether the file starts like a zip archive (a local file header, "PK\3\4"). torch.save's legacy
    /// format is a bare pickle instead.
    public static func hasSignature(_ file: MappedFile) -> Bool {
        guard file.count >= 4, let b = try? file.bytes(at: 0, length: 4) else { return false }
        return b.loadUnaligned(as: UInt32.self) == UInt32(0x0403_4B50).littleEndian
    }

    public init(file: MappedFile) throws {
        let path = file.url.path
        let n = file.count
        guard n >= 22 else { throw ModelFormatError(path, "not a zip archive (too short)") }
        let all = try file.bytes(at: 0, length: n)
        func u16(_ o: Int) -> Int { Int(UInt16(littleEndian: all.loadUnaligned(fromByteOffset: o, as: UInt16.self))) }
        func u32(_ o: Int) -> Int { Int(UInt32(littleEndian: all.loadUnaligned(fromByteOffset: o, as: UInt32.self))) }
        func u64(_ o: Int) -> Int { Int(truncatingIfNeeded: UInt64(littleEndian: all.loadUnaligned(fromByteOffset: o, as: UInt64.self))) }

        // End of central directory: the last "PK\5\6" within the final 64 KiB + 22 bytes.
        var eocd = -1
        var p = n - 22
        let lowest = max(0, n - 22 - 65_535)
        while p >= lowest {
            if u32(p) == 0x0605_4B50 { eocd = p; break }
            p -= 1
        }
        guard eocd >= 0 else { throw ModelFormatError(path, "not a zip archive (no end of central directory)") }
        var count = u16(eocd + 10)
        var cdOffset = u32(eocd + 16)
        if (count == 0xFFFF || cdOffset == 0xFFFF_FFFF), eocd >= 20, u32(eocd - 20) == 0x0706_4B50 {
            let z64 = u64(eocd - 20 + 8)
            // Offsets and sizes are file data (64-bit in zip64): compare as `x <= n - k` so none can overflow.
            guard z64 >= 0, z64 <= n - 56, u32(z64) == 0x0606_4B50 else {
                throw ModelFormatError(path, "bad zip64 end of central directory")
            }
            count = u64(z64 + 32)
            cdOffset = u64(z64 + 48)
        }
        var entries: [String: Entry] = [:]
        var names: [String] = []
        var q = cdOffset
        for _ in 0..<max(0, count) {
            guard q >= 0, q <= n - 46, u32(q) == 0x0201_4B50 else {
                throw ModelFormatError(path, "corrupt zip central directory")
            }
            let method = u16(q + 10)
            var compSize = u32(q + 20)
            var size = u32(q + 24)
            let nameLen = u16(q + 28), extraLen = u16(q + 30), commentLen = u16(q + 32)
            var localOffset = u32(q + 42)
            guard q + 46 + nameLen + extraLen + commentLen <= n else { throw ModelFormatError(path, "corrupt zip entry") }
            let entryName = String(decoding: UnsafeRawBufferPointer(rebasing: all[(q + 46)..<(q + 46 + nameLen)]), as: UTF8.self)
            // zip64 extra field: the 8-byte values present are those whose 32-bit field is 0xFFFFFFFF.
            var e = q + 46 + nameLen
            let extraEnd = e + extraLen
            while e + 4 <= extraEnd {
                let tag = u16(e), len = u16(e + 2)
                if tag == 0x0001 {
                    var f = e + 4
                    if size == 0xFFFF_FFFF, f + 8 <= e + 4 + len { size = u64(f); f += 8 }
                    if compSize == 0xFFFF_FFFF, f + 8 <= e + 4 + len { compSize = u64(f); f += 8 }
                    if localOffset == 0xFFFF_FFFF, f + 8 <= e + 4 + len { localOffset = u64(f); f += 8 }
                }
                e += 4 + len
            }
            q = extraEnd + commentLen
            guard localOffset >= 0, localOffset <= n - 30, u32(localOffset) == 0x0403_4B50 else {
                throw ModelFormatError(path, "bad local header for \(entryName)")
            }
            names.append(entryName)
            let dataOffset = localOffset + 30 + u16(localOffset + 26) + u16(localOffset + 28)
            if method != 0 {
                // Only metadata entries could be compressed in practice; refuse to read those.
                entries[entryName] = Entry(name: entryName, dataOffset: -1, size: size)
                continue
            }
            guard compSize == size, size >= 0, size <= n - dataOffset else {
                throw ModelFormatError(path, "entry \(entryName) extends past the end of the file")
            }
            entries[entryName] = Entry(name: entryName, dataOffset: dataOffset, size: size)
        }
        self.entries = entries
        entryNames = names
    }
}
