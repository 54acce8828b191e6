import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory map of a whole file. Weight loaders copy (and convert) tensors out of it, then
/// `release(range:)` drops the pages they read so the mapped file does not stay in the resident set.
final class MappedFile {
    let url: URL
    let count: Int
    private let base: UnsafeMutableRawPointer?

    init(_ url: URL) throws {
        self.url = url
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else { throw CLIPEngineError("cannot open \(url.path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw CLIPEngineError("cannot stat \(url.path)") }
        count = Int(st.st_size)
        if count == 0 {
            base = nil
            return
        }
        let p = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let p, p != MAP_FAILED else {
            throw CLIPEngineError("cannot memory-map \(url.path): \(String(cString: strerror(errno)))")
        }
        base = p
    }

    deinit {
        if let base { munmap(base, count) }
    }

    /// The bytes at `offset ..< offset + length`, after a bounds check.
    func bytes(at offset: Int, length: Int) throws -> UnsafeRawBufferPointer {
        guard offset >= 0, length >= 0, offset <= count, length <= count - offset else {
            throw CLIPEngineError("\(url.lastPathComponent): range \(offset)+\(length) is outside the file (\(count) bytes)")
        }
        guard let base else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + offset, count: length)
    }

    /// Tell the kernel we no longer need these pages (they are re-read from the file if touched again).
    func release(offset: Int, length: Int) {
        guard let base, length > 0 else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (offset / page) * page
        let end = min(count, offset + length)
        guard end > start else { return }
        madvise(base + start, end - start, Int32(MADV_DONTNEED))
    }
}
