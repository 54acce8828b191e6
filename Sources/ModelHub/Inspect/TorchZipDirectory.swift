import Foundation

/// The entry list of a PyTorch zip checkpoint (`torch.save` since 1.6), read from the zip central
/// directory only: enough to tell the format and count the tensor storages (`<prefix>/data/<n>`).
/// Reading the tensors themselves is the CLIP engine's job.
public struct TorchZipDirectory: Sendable {
    public struct Entry: Sendable {
        public let name: String
        let method: UInt16
        let compressedSize: Int
        let localHeaderOffset: Int
    }

    public let entries: [Entry]
    public var entryNames: [String] { entries.map(\.name) }
    let fileURL: URL

    /// The archive's top folder (`pytorch_model`, or `archive` in older checkpoints).
    public var prefix: String? {
        entryNames.first { $0.hasSuffix("/data.pkl") }.map { String($0.dropLast("/data.pkl".count)) }
    }

    public var storageCount: Int {
        guard let prefix else { return 0 }
        let dataFolder = prefix + "/data/"
        return entryNames.filter { $0.hasPrefix(dataFolder) && Int($0.dropFirst(dataFolder.count)) != nil }.count
    }

    /// nil when the file is not a zip (e.g. a legacy pre-1.6 pickle checkpoint).
    public static func read(_ url: URL) throws -> TorchZipDirectory? {
        let size = Int(fileSizeOrZero(url))
        guard size >= 22 else { return nil }
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: url) } catch {
            throw InspectError(url.path, "cannot open: \(error.localizedDescription)")
        }
        defer { try? handle.close() }
        func read(_ offset: Int, _ count: Int) throws -> [UInt8] {
            guard offset >= 0, count >= 0, offset + count <= size else {
                throw InspectError(url.path, "zip structure points outside the file")
            }
            try handle.seek(toOffset: UInt64(offset))
            let data = try handle.read(upToCount: count) ?? Data()
            guard data.count == count else { throw InspectError(url.path, "short read") }
            return [UInt8](data)
        }
        // End of central directory: 22 bytes plus an optional comment of up to 64 KiB, at the very end.
        let tailLength = min(size, 22 + 65_535)
        let tail = try read(size - tailLength, tailLength)
        guard let eocd = stride(from: tail.count - 22, through: 0, by: -1).first(where: {
            tail[$0] == 0x50 && tail[$0 + 1] == 0x4B && tail[$0 + 2] == 0x05 && tail[$0 + 3] == 0x06
        }) else { return nil }
        var entries = Int(le16(tail, eocd + 10))
        var directorySize = Int(le32(tail, eocd + 12))
        var directoryOffset = Int(le32(tail, eocd + 16))
        if entries == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // Zip64 (checkpoints over 4 GiB): a locator 20 bytes before the EOCD points at the zip64 record.
            let locatorAt = size - tailLength + eocd - 20
            let locator = try read(locatorAt, 20)
            guard le32(locator, 0) == 0x0706_4B50 else { throw InspectError(url.path, "zip64 locator missing") }
            let record = try read(Int(le64(locator, 8)), 56)
            guard le32(record, 0) == 0x0606_4B50 else { throw InspectError(url.path, "zip64 directory record missing") }
            entries = Int(le64(record, 32))
            directorySize = Int(le64(record, 40))
            directoryOffset = Int(le64(record, 48))
        }
        guard directorySize <= 256 << 20 else { throw InspectError(url.path, "zip central directory is implausibly large") }
        let directory = try read(directoryOffset, directorySize)
        var found: [Entry] = []
        var at = 0
        for _ in 0..<entries {
            guard at + 46 <= directory.count, le32(directory, at) == 0x0201_4B50 else {
                throw InspectError(url.path, "corrupt zip central directory")
            }
            let nameLength = Int(le16(directory, at + 28))
            let extraLength = Int(le16(directory, at + 30))
            let commentLength = Int(le16(directory, at + 32))
            guard at + 46 + nameLength + extraLength <= directory.count else { throw InspectError(url.path, "corrupt zip entry") }
            var compressedSize = Int(le32(directory, at + 20))
            var uncompressedSize = Int(le32(directory, at + 24))
            var offset = Int(le32(directory, at + 42))
            // Zip64 extra field (id 1): 8-byte values for whichever of the three fields overflowed, in order.
            var extraAt = at + 46 + nameLength
            let extraEnd = extraAt + extraLength
            while extraAt + 4 <= extraEnd {
                let id = le16(directory, extraAt), size = Int(le16(directory, extraAt + 2))
                var field = extraAt + 4
                if id == 1 {
                    if uncompressedSize == 0xFFFF_FFFF, field + 8 <= extraEnd { uncompressedSize = Int(le64(directory, field)); field += 8 }
                    if compressedSize == 0xFFFF_FFFF, field + 8 <= extraEnd { compressedSize = Int(le64(directory, field)); field += 8 }
                    if offset == 0xFFFF_FFFF, field + 8 <= extraEnd { offset = Int(le64(directory, field)) }
                }
                extraAt += 4 + size
            }
            found.append(Entry(name: String(decoding: directory[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self),
                               method: le16(directory, at + 10), compressedSize: compressedSize, localHeaderOffset: offset))
            at += 46 + nameLength + extraLength + commentLength
        }
        return TorchZipDirectory(entries: found, fileURL: url)
    }

    /// The tensor count from `data.pkl` (see PickleTensorCount); nil if it is compressed or unreadable.
    public func tensorCount() throws -> Int? {
        guard let entry = entries.first(where: { $0.name.hasSuffix("/data.pkl") }), entry.method == 0,
              entry.compressedSize <= 256 << 20 else { return nil }
        let handle = try FileHandle(forReadingFrom: fileURL)
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(entry.localHeaderOffset))
        guard let header = try handle.read(upToCount: 30).map({ [UInt8]($0) }), header.count == 30,
              Self.le32(header, 0) == 0x0403_4B50 else {
            throw InspectError(fileURL.path, "corrupt zip local header for \(entry.name)")
        }
        let skip = Int(Self.le16(header, 26)) + Int(Self.le16(header, 28))
        try handle.seek(toOffset: UInt64(entry.localHeaderOffset + 30 + skip))
        guard let pickle = try handle.read(upToCount: entry.compressedSize), pickle.count == entry.compressedSize else {
            throw InspectError(fileURL.path, "\(entry.name) is cut short")
        }
        return PickleTensorCount.count([UInt8](pickle))
    }

    private static func le16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    private static func le32(_ b: [UInt8], _ i: Int) -> UInt32 { UInt32(le16(b, i)) | UInt32(le16(b, i + 2)) << 16 }
    private static func le64(_ b: [UInt8], _ i: Int) -> UInt64 { UInt64(le32(b, i)) | UInt64(le32(b, i + 4)) << 32 }
}
