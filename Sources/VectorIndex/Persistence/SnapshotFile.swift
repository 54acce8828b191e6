import CDistances
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The on-disk snapshot layout shared by both index kinds:
///   header  = 8-byte magic + 31 little-endian UInt64 fields (256 bytes)
///   sections written straight from the index's buffers (sizes follow from the header)
///   trailer = UInt64 checksum of header + sections, then the 8-byte end magic.
/// A file is written to `<path>.tmp`, fsynced and renamed over `<path>`, so a crash leaves either
/// the old or the new snapshot; a torn or bit-flipped file fails the size or checksum test.
enum SnapshotFormat {
    static let magic: [UInt8] = Array("IRISVIX1".utf8)
    static let endMagic: [UInt8] = Array("IRISEND!".utf8)
    static let headerWords = 31
    static let headerBytes = 8 + headerWords * 8
    static let trailerBytes = 16
    static let version: UInt64 = 1

    enum Kind: UInt64 { case flat = 1, hnsw = 2 }
}

/// Writes one snapshot; call `write` for each section in order, then `finish`.
final class SnapshotWriter {
    let path: String
    private let tmpPath: String
    private var fd: Int32
    private var checksum: UInt64 = 0

    init(path: String) throws {
        self.path = path
        tmpPath = path + ".tmp"
        fd = open(tmpPath, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0o644)
        if fd < 0 { throw VectorIndexError.io(path: tmpPath, reason: "cannot create: \(String(cString: strerror(errno)))") }
    }
    deinit { if fd >= 0 { close(fd); unlink(tmpPath) } }

    func writeHeader(kind: SnapshotFormat.Kind, fields: [UInt64]) throws {
        precondition(fields.count <= SnapshotFormat.headerWords - 2)
        var words = [SnapshotFormat.version, kind.rawValue] + fields
        words += Array(repeating: 0, count: SnapshotFormat.headerWords - words.count)
        var bytes = SnapshotFormat.magic
        for w in words { withUnsafeBytes(of: w.littleEndian) { bytes.append(contentsOf: $0) } }
        try bytes.withUnsafeBytes { try write($0.baseAddress!, bytes: $0.count) }
    }

    func write(_ data: UnsafeRawPointer, bytes: Int) throws {
        var done = 0
        while done < bytes {
            let n = Glibc.write(fd, data + done, min(bytes - done, 1 << 30))
            if n < 0 {
                if errno == EINTR { continue }
                throw VectorIndexError.io(path: tmpPath, reason: "write failed: \(String(cString: strerror(errno)))")
            }
            done += n
        }
        checksum = cd_checksum64(data, bytes, checksum)
    }

    func finish() throws {
        var trailer = [UInt8]()
        withUnsafeBytes(of: checksum.littleEndian) { trailer.append(contentsOf: $0) }
        trailer += SnapshotFormat.endMagic
        try trailer.withUnsafeBytes { try write($0.baseAddress!, bytes: $0.count) }
        if fsync(fd) != 0 { throw VectorIndexError.io(path: tmpPath, reason: "fsync failed: \(String(cString: strerror(errno)))") }
        close(fd)
        fd = -1
        if rename(tmpPath, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(tmpPath)
            throw VectorIndexError.io(path: path, reason: "rename failed: \(reason)")
        }
        // Make the rename itself durable.
        let dir = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let dfd = open(dir.isEmpty ? "/" : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 { fsync(dfd); close(dfd) }
    }
}

/// Reads one snapshot: `readHeader`, then `read` each section into the index's buffers, then `finish`.
final class SnapshotReader {
    let path: String
    private var fd: Int32
    let fileSize: Int
    private var checksum: UInt64 = 0
    private(set) var offset = 0

    init(path: String) throws {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            throw VectorIndexError.corruptSnapshot(path: path, reason: "cannot open: \(String(cString: strerror(errno)))")
        }
        var st = stat()
        if fstat(fd, &st) != 0 {
            close(fd)
            throw VectorIndexError.io(path: path, reason: "stat failed")
        }
        fileSize = Int(st.st_size)
    }
    deinit { if fd >= 0 { close(fd) } }

    func corrupt(_ reason: String) -> VectorIndexError { .corruptSnapshot(path: path, reason: reason) }

    /// Returns the kind and the index-specific fields.
    func readHeader() throws -> (SnapshotFormat.Kind, [UInt64]) {
        guard fileSize >= SnapshotFormat.headerBytes + SnapshotFormat.trailerBytes else {
            throw corrupt("file is truncated (\(fileSize) bytes)")
        }
        var bytes = [UInt8](repeating: 0, count: SnapshotFormat.headerBytes)
        try bytes.withUnsafeMutableBytes { try read(into: $0.baseAddress!, bytes: $0.count) }
        guard Array(bytes[0..<8]) == SnapshotFormat.magic else { throw corrupt("not an Iris vector index snapshot") }
        var words = [UInt64]()
        for i in 0..<SnapshotFormat.headerWords {
            var w: UInt64 = 0
            withUnsafeMutableBytes(of: &w) { $0.copyBytes(from: bytes[(8 + i * 8)..<(16 + i * 8)]) }
            words.append(UInt64(littleEndian: w))
        }
        guard words[0] == SnapshotFormat.version else { throw corrupt("unsupported snapshot version \(words[0])") }
        guard let kind = SnapshotFormat.Kind(rawValue: words[1]) else { throw corrupt("unknown index kind \(words[1])") }
        return (kind, Array(words[2...]))
    }

    /// Fails early (before big allocations) when the file size disagrees with the header.
    func expectPayload(bytes: Int) throws {
        let expected = SnapshotFormat.headerBytes + bytes + SnapshotFormat.trailerBytes
        if expected != fileSize { throw corrupt("file has \(fileSize) bytes, header implies \(expected) (torn write?)") }
    }

    func read(into data: UnsafeMutableRawPointer, bytes: Int) throws {
        var done = 0
        while done < bytes {
            let n = Glibc.read(fd, data + done, min(bytes - done, 1 << 30))
            if n < 0 {
                if errno == EINTR { continue }
                throw VectorIndexError.io(path: path, reason: "read failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 { throw corrupt("unexpected end of file") }
            done += n
        }
        offset += bytes
        checksum = cd_checksum64(data, bytes, checksum)
    }

    func finish() throws {
        let expected = checksum
        var trailer = [UInt8](repeating: 0, count: SnapshotFormat.trailerBytes)
        try trailer.withUnsafeMutableBytes { try read(into: $0.baseAddress!, bytes: $0.count) }
        guard Array(trailer[8..<16]) == SnapshotFormat.endMagic else { throw corrupt("missing end marker (torn write?)") }
        var stored: UInt64 = 0
        withUnsafeMutableBytes(of: &stored) { $0.copyBytes(from: trailer[0..<8]) }
        guard UInt64(littleEndian: stored) == expected else { throw corrupt("checksum mismatch") }
        close(fd)
        fd = -1
    }
}
