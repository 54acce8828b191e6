import CDistances
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The append-only log of HNSW graph mutations kept beside a snapshot (`<snapshot>.log`), so a
/// restart replays the graph edits made since the snapshot instead of re-running the inserts.
///
///   header (56 bytes) = magic `IRISHLG1`, version u32, 0 u32, snapshot nonce u64, metric code u64,
///                       maxConnections u64, efConstruction u64, checksum u64 of the 48 bytes before it
///   record            = length u32 (of type + payload), checksum u32 (low half of cd_checksum64 of
///                       type + payload seeded with the length), type u8, payload (little-endian)
///
/// The nonce ties the log to the snapshot it extends (0: to an empty index). Replay stops at the first
/// short, bad or implausible record (a torn tail) and the file is truncated there before appending.
enum GraphLogFormat {
    static let magic: [UInt8] = Array("IRISHLG1".utf8)
    static let version: UInt32 = 1
    static let headerBytes = 56
    static let recordHeaderBytes = 8
    /// A nonce no snapshot carries: a log started for a snapshot written before logs existed (nonce 0
    /// in its header, which means "no snapshot" to a log) is never replayed.
    static let unmatchable: UInt64 = .max
}

/// Record types. Payloads (sizes in bytes):
enum GraphLogRecord: UInt8 {
    case createGraph = 1  // dim u32
    case initNode = 2     // slot u32, level u8, label u64, vector f32 x dim (slot becomes live)
    case setList = 3      // slot u32, level u8, count u16, entries u32 x count
    case appendLink = 4   // node u32, level u8, slot u32
    case pruneLinks = 5   // node u32, level u8, slot u32, old count u16, bit mask of (old count + 1) bits:
                          // kept old entries stay in order, then `slot` if its bit (the last) is set
    case tombstone = 6    // slot u32
    case entryPoint = 7   // slot u32, max level u8
    case freeSlots = 8    // count u32, slots u32 x count (tombstones released by a cleanup)
    case covered = 9      // sequence u64
}

/// Little-endian field writer over a record's payload.
struct LogPayloadWriter {
    var p: UnsafeMutableRawPointer
    @inline(__always) mutating func u8(_ v: UInt8) { p.storeBytes(of: v, as: UInt8.self); p += 1 }
    @inline(__always) mutating func u16(_ v: UInt16) { p.storeBytes(of: v.littleEndian, as: UInt16.self); p += 2 }
    @inline(__always) mutating func u32(_ v: UInt32) { p.storeBytes(of: v.littleEndian, as: UInt32.self); p += 4 }
    @inline(__always) mutating func u64(_ v: UInt64) { p.storeBytes(of: v.littleEndian, as: UInt64.self); p += 8 }
    @inline(__always) mutating func bytes(_ src: UnsafeRawPointer, _ n: Int) { p.copyMemory(from: src, byteCount: n); p += n }
}

/// Little-endian field reader with bounds checks (a crafted record must not read past its payload).
struct LogPayloadReader {
    let base: UnsafeRawPointer
    let count: Int
    var offset = 0
    var remaining: Int { count - offset }
    mutating func u8() throws -> UInt8 { try need(1); defer { offset += 1 }; return base.load(fromByteOffset: offset, as: UInt8.self) }
    mutating func u16() throws -> UInt16 { try need(2); defer { offset += 2 }; return UInt16(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt16.self)) }
    mutating func u32() throws -> UInt32 { try need(4); defer { offset += 4 }; return UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
    mutating func u64() throws -> UInt64 { try need(8); defer { offset += 8 }; return UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
    mutating func bytes(_ n: Int) throws -> UnsafeRawPointer { try need(n); defer { offset += n }; return base + offset }
    func need(_ n: Int) throws { if n < 0 || remaining < n { throw GraphLogReplayStop.bad("record payload is short") } }
}

/// Why replay stopped before the end of a log.
enum GraphLogReplayStop: Error { case bad(String) }

struct GraphLogHeader: Equatable {
    var nonce: UInt64
    var metricCode: UInt64
    var maxConnections: UInt64
    var efConstruction: UInt64

    func encoded() -> [UInt8] {
        var b = GraphLogFormat.magic
        withUnsafeBytes(of: GraphLogFormat.version.littleEndian) { b.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(0)) { b.append(contentsOf: $0) }
        for w in [nonce, metricCode, maxConnections, efConstruction] { withUnsafeBytes(of: w.littleEndian) { b.append(contentsOf: $0) } }
        let sum = b.withUnsafeBytes { cd_checksum64($0.baseAddress, $0.count, 0) }
        withUnsafeBytes(of: sum.littleEndian) { b.append(contentsOf: $0) }
        return b
    }

    init(nonce: UInt64, metricCode: UInt64, maxConnections: UInt64, efConstruction: UInt64) {
        self.nonce = nonce; self.metricCode = metricCode; self.maxConnections = maxConnections; self.efConstruction = efConstruction
    }

    /// Nil unless `bytes` is a whole, intact header of this version.
    init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= GraphLogFormat.headerBytes, Array(bytes[0..<8]) == GraphLogFormat.magic else { return nil }
        var r = LogPayloadReader(base: bytes.baseAddress!, count: GraphLogFormat.headerBytes, offset: 8)
        guard let version = try? r.u32(), version == GraphLogFormat.version, let _ = try? r.u32(),
              let nonce = try? r.u64(), let metric = try? r.u64(), let m = try? r.u64(), let efc = try? r.u64(),
              let sum = try? r.u64(), sum == cd_checksum64(bytes.baseAddress, 48, 0) else { return nil }
        self.init(nonce: nonce, metricCode: metric, maxConnections: m, efConstruction: efc)
    }
}

/// The writer side: records are appended to an in-memory buffer under one spin lock (callers append
/// while holding the lock that orders the change in memory, so per node the log order is the memory
/// order), and the buffer is handed to the kernel with write() at the end of each public write call.
/// No fsync: that survives SIGKILL; after power loss the torn tail is dropped at replay and the
/// Database's change log (the source of truth) replays the rest.
final class GraphLog: @unchecked Sendable {
    let path: String
    private let bufferLock = SpinLock()  // buffer, inFlight, pendingCovered (held for a memcpy or so)
    private let fileLock = Mutex()     // fd, spare, failure; taken before bufferLock, never inside it
    private var buffer: UnsafeMutableRawPointer
    private var used = 0
    private var capacity: Int
    private var spare: UnsafeMutableRawPointer
    private var spareCapacity: Int
    private var fd: Int32
    private var inFlight = 0
    private var pendingCovered: UInt64 = 0
    /// After a failed write nothing more is written (a gap would make later records lie); the log
    /// then holds a valid prefix and the next `reset` starts a new one.
    private var failure: String?
    /// Whether a write failed since the log was started (then `persist()` starts a new one).
    var failed: Bool { fileLock.withLock { failure != nil } }
    /// Flush mid-batch past this many buffered bytes, so a big parallel batch does not buffer it all.
    /// A write per MB costs nothing next to building the nodes it records, and keeps the two buffers
    /// small (each grows by doubling until the next flush check).
    static let flushThreshold = 1 << 20
    /// The size a buffer starts at and is given back to after a flush that needed more, so an index
    /// at rest holds 128 KB of log buffers, not the high-water mark of its biggest batch.
    static let restingCapacity = 1 << 16

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
        capacity = GraphLog.restingCapacity
        buffer = GraphLog.mapBuffer(capacity)
        spareCapacity = GraphLog.restingCapacity
        spare = GraphLog.mapBuffer(spareCapacity)
    }

    /// The bytes both buffers hold allocated (for tests).
    var bufferCapacity: Int { fileLock.withLock { bufferLock.withLock { capacity + spareCapacity } } }
    deinit { if fd >= 0 { close(fd) }; munmap(buffer, capacity); munmap(spare, spareCapacity) }

    /// Log buffers are mapped pages, not malloc memory: a buffer a big batch grew is unmapped after its
    /// flush, so its pages go back to the system at once (malloc would keep them in its arenas, resident).
    static func mapBuffer(_ bytes: Int) -> UnsafeMutableRawPointer {
        let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let p, p != MAP_FAILED else { fatalError("out of memory mapping \(bytes) bytes for the graph log") }
        return p
    }

    /// A new empty log (replacing any file at `path`: written to `<path>.tmp` and renamed).
    static func create(path: String, header: GraphLogHeader) throws -> GraphLog {
        GraphLog(path: path, fd: try GraphLog.writeFresh(path: path, header: header))
    }

    /// Continues an existing log whose valid records end at `validBytes` (cutting a torn tail).
    static func reopen(path: String, validBytes: Int) throws -> GraphLog {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        if fd < 0 { throw VectorIndexError.io(path: path, reason: "cannot open: \(String(cString: strerror(errno)))") }
        if ftruncate(fd, off_t(validBytes)) != 0 || lseek(fd, off_t(validBytes), SEEK_SET) < 0 {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw VectorIndexError.io(path: path, reason: "cannot truncate: \(reason)")
        }
        return GraphLog(path: path, fd: fd)
    }

    private static func writeFresh(path: String, header: GraphLogHeader) throws -> Int32 {
        let tmp = path + ".tmp"
        let fd = open(tmp, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0o644)
        if fd < 0 { throw VectorIndexError.io(path: tmp, reason: "cannot create: \(String(cString: strerror(errno)))") }
        let bytes = header.encoded()
        let ok = bytes.withUnsafeBytes { GraphLog.writeAll(fd, $0.baseAddress!, $0.count) }
        if !ok || rename(tmp, path) != 0 {
            let reason = String(cString: strerror(errno))
            close(fd)
            unlink(tmp)
            throw VectorIndexError.io(path: path, reason: "cannot start the graph log: \(reason)")
        }
        return fd
    }

    private static func writeAll(_ fd: Int32, _ data: UnsafeRawPointer, _ bytes: Int) -> Bool {
        var done = 0
        while done < bytes {
            let n = Glibc.write(fd, data + done, bytes - done)
            if n < 0 { if errno == EINTR { continue }; return false }
            done += n
        }
        return true
    }

    /// Starts over with an empty log extending the snapshot `header.nonce` (after `persist()`; no
    /// writer runs meanwhile, so nothing buffered is lost that the snapshot does not hold).
    func reset(header: GraphLogHeader) throws {
        try fileLock.withLock {
            bufferLock.withLock {
                used = 0
                inFlight = 0
                pendingCovered = 0
            }
            let newFD: Int32
            do { newFD = try GraphLog.writeFresh(path: path, header: header) } catch {
                failure = "\(error)"  // the old log (older nonce) is ignored at replay; stop feeding it
                throw error
            }
            if fd >= 0 { close(fd) }
            fd = newFD
            failure = nil
        }
    }

    // MARK: Appending

    /// Appends one record whose payload `fill` writes (exactly `payloadBytes`). Never blocks on I/O.
    @inline(__always)
    func append(_ type: GraphLogRecord, payloadBytes: Int, _ fill: (inout LogPayloadWriter) -> Void) {
        bufferLock.lock()
        let total = GraphLogFormat.recordHeaderBytes + 1 + payloadBytes
        if used + total > capacity { growBuffer(to: used + total) }
        let start = buffer + used
        var w = LogPayloadWriter(p: start + GraphLogFormat.recordHeaderBytes)
        w.u8(type.rawValue)
        fill(&w)
        let length = UInt32(1 + payloadBytes)
        let sum = UInt32(truncatingIfNeeded: cd_checksum64(start + GraphLogFormat.recordHeaderBytes, 1 + payloadBytes, UInt64(length)))
        start.storeBytes(of: length.littleEndian, as: UInt32.self)
        start.storeBytes(of: sum.littleEndian, toByteOffset: 4, as: UInt32.self)
        used += total
        bufferLock.unlock()
    }

    private func growBuffer(to needed: Int) {
        var c = capacity
        while c < needed { c *= 2 }
        let bigger = GraphLog.mapBuffer(c)
        bigger.copyMemory(from: buffer, byteCount: used)
        munmap(buffer, capacity)
        buffer = bigger
        capacity = c
    }

    /// A public write call starts: `covered` is only logged when no call is half-logged.
    func beginOp() { bufferLock.withLock { inFlight += 1 } }

    /// A public write call ended having applied everything up to `sequence`: log `covered` once no
    /// other call is in flight, so everything up to it is in the log before the record.
    func endOp(sequence: UInt64) {
        bufferLock.lock()
        inFlight -= 1
        pendingCovered = max(pendingCovered, sequence)
        let due = inFlight == 0 ? pendingCovered : nil
        bufferLock.unlock()
        if let due { append(.covered, payloadBytes: 8) { $0.u64(due) } }
    }

    // MARK: Writing out

    /// Hands everything buffered to the kernel (write(), no fsync).
    func flush() {
        fileLock.withLock {
            bufferLock.lock()
            let n = used
            if n == 0 { bufferLock.unlock(); return }
            // Swap buffers, so appenders continue while this one is written.
            swap(&buffer, &spare)
            swap(&capacity, &spareCapacity)
            used = 0
            bufferLock.unlock()
            if failure == nil && !GraphLog.writeAll(fd, spare, n) {
                failure = "write failed: \(String(cString: strerror(errno)))"
            }
            // `spare` is only used under fileLock: shrink it back once written.
            if spareCapacity > GraphLog.restingCapacity {
                munmap(spare, spareCapacity)
                spare = GraphLog.mapBuffer(GraphLog.restingCapacity)
                spareCapacity = GraphLog.restingCapacity
            }
        }
    }

    /// Flushes when a long batch has buffered a lot (call with no node lock held).
    func flushIfLarge() {
        if bufferLock.withLock({ used >= GraphLog.flushThreshold }) { flush() }
    }
}

/// Reads a log: its header, then records one by one until the end or the first bad one.
final class GraphLogReader {
    let path: String
    let header: GraphLogHeader
    private let fd: Int32
    private let fileSize: Int
    private var chunk: UnsafeMutableRawPointer
    private var chunkCapacity: Int
    private var chunkStart = 0   // file offset of chunk[0]
    private var chunkUsed = 0
    private var cursor = 0       // offset in chunk of the next record
    /// File offset just past the last record returned (where appending continues).
    private(set) var validEnd = GraphLogFormat.headerBytes
    /// Why reading stopped early (nil: clean end of file).
    private(set) var stopReason: String?

    /// Nil when there is no file or its header is missing, damaged or of another version.
    init?(path: String) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { return nil }
        var st = stat()
        guard fstat(fd, &st) == 0 else { close(fd); return nil }
        var head = [UInt8](repeating: 0, count: GraphLogFormat.headerBytes)
        let n = head.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
        guard n == GraphLogFormat.headerBytes, let h = head.withUnsafeBytes({ GraphLogHeader($0) }) else { close(fd); return nil }
        self.fd = fd
        header = h
        fileSize = Int(st.st_size)
        chunkCapacity = 1 << 22
        chunk = UnsafeMutableRawPointer(rawAllocate(UInt8.self, count: chunkCapacity))
        chunkStart = GraphLogFormat.headerBytes
    }
    deinit { close(fd); free(chunk) }

    /// Makes bytes [cursor, cursor + n) of the chunk available; false at end of file.
    private func ensure(_ n: Int) -> Bool {
        if cursor + n <= chunkUsed { return true }
        if chunkStart + cursor + n > fileSize { return false }
        // Move the unread tail to the front, grow if one record is larger than the chunk, refill.
        let tail = chunkUsed - cursor
        if tail > 0 { memmove(chunk, chunk + cursor, tail) }
        chunkStart += cursor
        cursor = 0
        chunkUsed = tail
        if n > chunkCapacity {
            guard let bigger = realloc(chunk, n) else { return false }
            chunk = bigger
            chunkCapacity = n
        }
        while chunkUsed < n {
            let got = pread(fd, chunk + chunkUsed, chunkCapacity - chunkUsed, off_t(chunkStart + chunkUsed))
            if got < 0 && errno == EINTR { continue }
            if got <= 0 { return false }
            chunkUsed += got
        }
        return true
    }

    /// The next intact record (type byte, payload), or nil at the end or at a torn/bad record.
    /// The payload pointer is valid until the next call.
    func next() -> (UInt8, UnsafeRawBufferPointer)? {
        guard ensure(GraphLogFormat.recordHeaderBytes) else {
            if chunkStart + cursor < fileSize { stopReason = "torn record header at byte \(chunkStart + cursor)" }
            return nil
        }
        let length = Int(UInt32(littleEndian: chunk.loadUnaligned(fromByteOffset: cursor, as: UInt32.self)))
        let sum = UInt32(littleEndian: chunk.loadUnaligned(fromByteOffset: cursor + 4, as: UInt32.self))
        // The length is checked against the file before anything is sized by it.
        guard length >= 1, chunkStart + cursor + GraphLogFormat.recordHeaderBytes + length <= fileSize,
              ensure(GraphLogFormat.recordHeaderBytes + length) else {
            stopReason = "torn or bad record length \(length) at byte \(chunkStart + cursor)"
            return nil
        }
        let body = chunk + cursor + GraphLogFormat.recordHeaderBytes
        guard UInt32(truncatingIfNeeded: cd_checksum64(body, length, UInt64(length))) == sum else {
            stopReason = "checksum mismatch at byte \(chunkStart + cursor)"
            return nil
        }
        cursor += GraphLogFormat.recordHeaderBytes + length
        let type = body.load(as: UInt8.self)
        return (type, UnsafeRawBufferPointer(start: body + 1, count: length - 1))
    }

    /// Marks the record just returned as applied (replay may still reject a record as implausible).
    func accept() { validEnd = chunkStart + cursor }
    func reject(_ reason: String) { stopReason = reason }
}
