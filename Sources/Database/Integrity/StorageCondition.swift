import Foundation
import Storage
#if canImport(Glibc)
import Glibc
#endif

/// Whether the store can take writes. Checked at open, after every storage failure and every few
/// seconds; `/v1/.well-known/ready` is not ready and `/v1/nodes` shows the reason while it is not
/// `.writable`, and every write is refused with 503 before it reaches SQLite.
public enum StorageCondition: Sendable, Equatable {
    case writable
    /// The start-up check is reading the store file (`startStoreFileCheck`); writes wait for it.
    case checking
    /// A read-only file system, or the disk in use at or above DISK_USE_READONLY_PERCENTAGE, or a write
    /// that failed for lack of space. Cleared by itself once a probe write succeeds again, except when
    /// the store had to be opened read-only at start (then a restart clears it).
    case readOnly(String)
    /// SQLite found the file damaged while serving. Permanent until a restart runs the start-up check.
    case damaged(String)

    public var isWritable: Bool { self == .writable }

    /// Why writes are refused, for logs, `/v1/nodes` and 503 messages (nil when writable).
    public var reason: String? {
        switch self {
        case .writable: return nil
        case .checking: return "the store file is being checked after start (IRIS_STARTUP_QUICK_CHECK)"
        case .readOnly(let why), .damaged(let why): return why
        }
    }
}

extension Database {
    /// How often the condition is probed again while the server runs.
    static let storageProbeInterval: Double = 5

    /// Probes the data directory: a real write of a small file (catches a read-only mount, EACCES and a
    /// disk with no block left) and the disk usage against DISK_USE_READONLY_PERCENTAGE.
    static func probeStorage(_ config: DatabaseConfig) -> StorageCondition {
        let probe = (config.dataPath as NSString).appendingPathComponent(".write-probe")
        let fd = open(probe, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        if fd < 0 { return .readOnly("the data directory cannot be written: \(String(cString: strerror(errno)))") }
        let bytes = [UInt8](repeating: 0, count: 4096)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let writeErrno = errno
        // No fsync: file systems reserve blocks at write(), so a full disk fails there, and an fsync
        // every few seconds could wait behind every other process's dirty pages.
        Glibc.close(fd)
        unlink(probe)
        if written != bytes.count {
            return .readOnly("the data directory cannot be written: \(String(cString: strerror(writeErrno)))")
        }
        if let limit = config.diskUseReadOnlyPercentage, let used = diskUsePercent(config.dataPath), used >= limit {
            return .readOnly(String(format: "the disk is %.0f%% full; writes resume below %.0f%% (DISK_USE_READONLY_PERCENTAGE)", used, limit))
        }
        return .writable
    }

    /// The share of the file system holding `path` that is in use, as `df` counts it.
    static func diskUsePercent(_ path: String) -> Double? {
        var s = statvfs()
        guard statvfs(path, &s) == 0, s.f_blocks > 0 else { return nil }
        let used = Double(s.f_blocks - s.f_bfree)
        return 100 * used / (used + Double(s.f_bavail))
    }

    /// Re-probes a condition that may clear by itself and logs every change. Damage, and a store that
    /// had to be opened read-only, last until a restart.
    func recheckStorage() {
        let current = storageCondition
        if case .damaged = current { return }
        if current == .checking { return }
        if store.pool.configuration.readonly { return }
        let now = Database.probeStorage(config)
        if now != current { setStorageCondition(now) }
        if let warn = config.diskUseWarningPercentage, let used = Database.diskUsePercent(config.dataPath), used >= warn,
           withSchemaLock({ defer { diskWarningLogged = true }; return !diskWarningLogged }) {
            logger.warning("disk usage is high", metadata: ["used": "\(Int(used))%", "warningAt": "\(Int(warn))% (DISK_USE_WARNING_PERCENTAGE)"])
        }
    }

    func setStorageCondition(_ new: StorageCondition) {
        let old: StorageCondition = withSchemaLock { let o = _storageCondition; _storageCondition = new; return o }
        guard old != new else { return }
        if let why = new.reason {
            logger.error("store refuses writes", metadata: ["reason": "\(why)"])
        } else if old != .checking {
            logger.notice("store takes writes again")
        }
    }

    /// Throws 503 unless the store takes writes; called before every write reaches SQLite.
    func ensureWritable() throws {
        if let why = storageCondition.reason { throw DatabaseError(.unavailable, "the store refuses writes: \(why)") }
    }

    /// Updates the condition after a storage error: out of space or a read-only file is rechecked by
    /// the probe; damage is permanent until the next start-up check.
    func noteStorageError(_ code: ResultCode?) {
        switch code {
        case .SQLITE_CORRUPT?, .SQLITE_NOTADB?:
            setStorageCondition(.damaged("SQLite reported the store file damaged; stop Iris and run `iris store check`"))
        case .SQLITE_FULL?:
            setStorageCondition(.readOnly("the disk is full"))
        case .SQLITE_READONLY?, .SQLITE_IOERR?, .SQLITE_CANTOPEN?:
            recheckStorage()
        default:
            break
        }
    }

    func startStorageProbe() {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "iris.storage-probe", qos: .utility))
        timer.schedule(deadline: .now() + Database.storageProbeInterval, repeating: Database.storageProbeInterval)
        timer.setEventHandler { [weak self] in self?.recheckStorage() }
        timer.resume()
        storageProbeTimer = timer
    }
}
