#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// malloc/realloc-backed buffers: realloc can grow a large block by remapping pages instead of
/// copying, and untouched capacity costs no resident memory.
@inline(__always) func rawAllocate<T>(_ type: T.Type, count: Int, zeroed: Bool = false) -> UnsafeMutablePointer<T> {
    let bytes = max(count, 1) * MemoryLayout<T>.stride
    let p = zeroed ? calloc(1, bytes) : malloc(bytes)
    guard let p else { fatalError("out of memory allocating \(bytes) bytes for the vector index") }
    return p.bindMemory(to: T.self, capacity: max(count, 1))
}

@inline(__always) func rawReallocate<T>(_ p: UnsafeMutablePointer<T>, oldCount: Int, newCount: Int, zeroTail: Bool) -> UnsafeMutablePointer<T> {
    let bytes = max(newCount, 1) * MemoryLayout<T>.stride
    guard let q = realloc(p, bytes) else { fatalError("out of memory growing the vector index to \(bytes) bytes") }
    let typed = q.bindMemory(to: T.self, capacity: max(newCount, 1))
    if zeroTail && newCount > oldCount {
        memset(typed + oldCount, 0, (newCount - oldCount) * MemoryLayout<T>.stride)
    }
    return typed
}

/// As `rawAllocate`, but a failed allocation throws: sizes that come from a file must not trap.
func rawAllocateOrThrow<T>(_ type: T.Type, count: Int, zeroed: Bool = false) throws -> UnsafeMutablePointer<T> {
    let (bytes, overflow) = max(count, 1).multipliedReportingOverflow(by: MemoryLayout<T>.stride)
    guard !overflow, let p = zeroed ? calloc(1, bytes) : malloc(bytes) else {
        throw VectorIndexError.io(path: "", reason: "out of memory allocating \(count) x \(MemoryLayout<T>.stride) bytes")
    }
    return p.bindMemory(to: T.self, capacity: max(count, 1))
}

/// As `rawReallocate`, but throws on failure; `p` is then still valid and unchanged.
func rawReallocateOrThrow<T>(_ p: UnsafeMutablePointer<T>, oldCount: Int, newCount: Int, zeroTail: Bool) throws -> UnsafeMutablePointer<T> {
    let (bytes, overflow) = max(newCount, 1).multipliedReportingOverflow(by: MemoryLayout<T>.stride)
    guard !overflow, let q = realloc(p, bytes) else {
        throw VectorIndexError.io(path: "", reason: "out of memory growing the vector index to \(newCount) x \(MemoryLayout<T>.stride) bytes")
    }
    let typed = q.bindMemory(to: T.self, capacity: max(newCount, 1))
    if zeroTail && newCount > oldCount {
        memset(typed + oldCount, 0, (newCount - oldCount) * MemoryLayout<T>.stride)
    }
    return typed
}

/// As `rawAllocateOrThrow`, on a cache-line boundary: malloc's large blocks start 16 bytes into a page,
/// so every other 32-byte load of a 512-d vector straddled two cache lines.
func rawAllocateAlignedOrThrow<T>(_ type: T.Type, count: Int) throws -> UnsafeMutablePointer<T> {
    let (bytes, overflow) = max(count, 1).multipliedReportingOverflow(by: MemoryLayout<T>.stride)
    var p: UnsafeMutableRawPointer?
    guard !overflow, posix_memalign(&p, 64, bytes) == 0, let p else {
        throw VectorIndexError.io(path: "", reason: "out of memory allocating \(count) x \(MemoryLayout<T>.stride) bytes")
    }
    return p.bindMemory(to: T.self, capacity: max(count, 1))
}

/// As `rawReallocateOrThrow` for a buffer from `rawAllocateAlignedOrThrow` (realloc would not keep the
/// alignment); `p` is freed only on success.
func rawReallocateAlignedOrThrow<T>(_ p: UnsafeMutablePointer<T>, oldCount: Int, newCount: Int) throws -> UnsafeMutablePointer<T> {
    let q = try rawAllocateAlignedOrThrow(T.self, count: newCount)
    q.update(from: p, count: min(oldCount, newCount))
    free(p)
    return q
}

@inline(__always) func rawFree<T>(_ p: UnsafeMutablePointer<T>) { free(p) }

/// Slot states, one byte per slot.
enum SlotState {
    static let free: UInt8 = 0
    static let live: UInt8 = 1
    static let deleted: UInt8 = 2  // tombstone: still routes searches, never returned
}

extension DistanceMetric {
    var snapshotCode: UInt64 { UInt64(DistanceMetric.allCases.firstIndex(of: self)!) }
    init?(snapshotCode: UInt64) {
        guard snapshotCode < DistanceMetric.allCases.count else { return nil }
        self = DistanceMetric.allCases[Int(snapshotCode)]
    }
}
