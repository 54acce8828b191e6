import Foundation
#if canImport(Glibc)
import Glibc
import Hashing
#endif

/// What ended up on disk for one file.
public struct DownloadedFile: Codable, Hashable, Sendable {
    public let path: String
    public let size: Int64
    public let sha256: String
}

/// Downloads one file into `<dest>.part`, resuming from what is already there with a Range request,
/// checks the size and (when known) the sha256, then renames it into place in one step.
struct ResumableDownloader {
    let configuration: HubConfiguration
    let progress: ProgressReporter?
    /// Turns a non-2xx answer (response, body, URL, file label) into the most specific HubError.
    let classify: @Sendable (TransferResponse, Data, URL, String) -> HubError

    /// - Parameters:
    ///   - expectedSize / expectedSHA256: what the listing reported (either may be nil).
    func download(from url: URL, to destination: URL, label: String,
                  expectedSize: Int64?, expectedSHA256: String?) async throws -> DownloadedFile {
        let fm = FileManager.default
        try createDirectory(destination.deletingLastPathComponent())
        let part = URL(fileURLWithPath: destination.path + ".part")

        // A finished file from an earlier pull is kept when the hub's hash proves it is current.
        if let expectedSHA256, let size = fileSize(destination), expectedSize == nil || expectedSize == size,
           (try? SHA256.hex(ofFileAt: destination)) == expectedSHA256 {
            progress?.message("\(label): already present, sha256 verified")
            return DownloadedFile(path: label, size: size, sha256: expectedSHA256)
        }

        var attempt = 0
        var freshRestartDone = false
        while true {
            attempt += 1
            do {
                let outcome = try await transfer(url: url, part: part, label: label, expectedSize: expectedSize,
                                                 canVerifyHash: expectedSHA256 != nil)
                let digest = outcome.sha256
                // The hub also sends an LFS file's sha256 as X-Linked-Etag: the fallback when the listing had none.
                let expectedHash = expectedSHA256 ?? outcome.linkedSHA256
                if let expectedHash, digest != expectedHash {
                    try? fm.removeItem(at: part)
                    // A stale .part (e.g. from another revision) can poison a resume: start over once.
                    if outcome.resumed && !freshRestartDone {
                        freshRestartDone = true
                        progress?.message("\(label): sha256 mismatch after resuming, downloading again from the start")
                        continue
                    }
                    throw HubError.hashMismatch(path: label, expected: expectedHash, actual: digest)
                }
                try moveIntoPlace(part, destination)
                return DownloadedFile(path: label, size: outcome.size, sha256: digest)
            } catch let error as HubError where error.isTransient && attempt < configuration.maxAttempts {
                progress?.message("\(label): \(error.description); retrying (\(attempt + 1)/\(configuration.maxAttempts))")
                try await Task.sleep(nanoseconds: UInt64(250_000_000 * attempt))
            }
        }
    }

    struct Outcome {
        let size: Int64
        let sha256: String
        let resumed: Bool
        let linkedSHA256: String?
    }

    /// One HTTP attempt: the final size, the sha256 of the whole .part, whether it resumed.
    private func transfer(url: URL, part: URL, label: String, expectedSize: Int64?,
                          canVerifyHash: Bool) async throws -> Outcome {
        var have = fileSize(part) ?? 0
        // A full-size .part is only trusted when a hash can prove it; a non-LFS file is small, fetch it again.
        if let expectedSize, have > expectedSize || (have == expectedSize && !canVerifyHash) {
            try? FileManager.default.removeItem(at: part)
            have = 0
        }
        let sink = try PartFileSink(part: part, have: have, expectedSize: expectedSize, label: label, progress: progress)
        defer { sink.close() }
        if let expectedSize, have == expectedSize {
            // Already complete from an earlier run (interrupted before the rename): just verify.
            return Outcome(size: have, sha256: sink.hasher.hexDigest(), resumed: true, linkedSHA256: nil)
        }
        var headers: [String: String] = [:]
        if have > 0 { headers["Range"] = "bytes=\(have)-" }
        let (response, body) = try await HTTPTransfer.get(
            url, headers: headers, token: configuration.token, idleTimeout: configuration.idleTimeout, sink: sink)

        if response.status == 416 {
            // The server says our offset is past the end: the .part is unusable; start over next attempt.
            try? FileManager.default.removeItem(at: part)
            throw HubError.network(url: url.absoluteString, message: "the server refused to resume at byte \(have) (HTTP 416)")
        }
        guard (200..<300).contains(response.status) else {
            throw classify(response, body, url, label)
        }
        try sink.flush()
        let size = fileSize(part) ?? 0
        let total = expectedSize ?? sink.announcedTotal
        if let total, size != total {
            if size < total {
                // The body ended early without a transport error: treat like a dropped connection.
                throw HubError.network(url: url.absoluteString,
                                       message: "the transfer ended at \(size) of \(total) bytes")
            }
            try? FileManager.default.removeItem(at: part)
            throw HubError.sizeMismatch(path: label, expected: total, actual: size)
        }
        progress?.finish(note: sink.resumedFrom > 0 ? "(resumed at \(ProgressReporter.bytes(sink.resumedFrom)))" : "")
        return Outcome(size: size, sha256: sink.hasher.hexDigest(), resumed: sink.resumedFrom > 0,
                       linkedSHA256: Self.sha256FromEtag(response.header("x-linked-etag")))
    }

    /// ETags are quoted (and may be weak, `W/"..."`); only a 64-hex-digit value is an LFS sha256.
    static func sha256FromEtag(_ etag: String?) -> String? {
        guard var value = etag?.trimmingCharacters(in: .whitespaces) else { return nil }
        if value.hasPrefix("W/") { value.removeFirst(2) }
        value = value.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        guard value.count == 64, value.allSatisfy({ $0.isHexDigit }) else { return nil }
        return value.lowercased()
    }

    private func moveIntoPlace(_ part: URL, _ destination: URL) throws {
        // rename(2) replaces the destination atomically: readers see the old file or the new one, never half.
        guard rename(part.path, destination.path) == 0 else {
            throw HubError.io(path: destination.path, message: "cannot rename the finished download into place: \(String(cString: strerror(errno)))")
        }
    }

    private func createDirectory(_ dir: URL) throws {
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            throw HubError.io(path: dir.path, message: "cannot create the folder: \(error.localizedDescription)")
        }
    }
}

func fileSize(_ url: URL) -> Int64? {
    guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
          (attributes[.type] as? FileAttributeType) == .typeRegular,
          let size = attributes[.size] as? NSNumber else { return nil }
    return size.int64Value
}

/// Writes a response body to the .part file and hashes it on the way, having first hashed the bytes a
/// previous attempt left (so the final digest covers the whole file without a second read).
final class PartFileSink: TransferSink {
    let part: URL
    private(set) var hasher = SHA256()
    private(set) var resumedFrom: Int64
    private(set) var announcedTotal: Int64?
    private let expectedSize: Int64?
    private let label: String
    private let progress: ProgressReporter?
    private var handle: FileHandle?
    private var buffer = Data()

    init(part: URL, have: Int64, expectedSize: Int64?, label: String, progress: ProgressReporter?) throws {
        self.part = part
        self.resumedFrom = have
        self.expectedSize = expectedSize
        self.label = label
        self.progress = progress
        if have > 0 {
            do { try hasher.update(contentsOf: part, limit: have) } catch {
                throw HubError.io(path: part.path, message: "cannot read the partial download: \(error.localizedDescription)")
            }
        }
    }

    func begin(_ response: TransferResponse) throws {
        var startAt: Int64 = 0
        if response.status == 206 {
            // Content-Range: bytes START-END/TOTAL — only a range starting at our offset can be appended.
            guard let range = response.header("content-range"), let parsed = Self.parseContentRange(range),
                  parsed.start == resumedFrom else {
                throw HubError.invalidResponse(url: response.finalURL?.absoluteString ?? "?",
                                               message: "partial answer does not start at byte \(resumedFrom)")
            }
            startAt = resumedFrom
            announcedTotal = parsed.total
        } else {
            // 200: the server ignored the Range header, so the body is the whole file.
            if resumedFrom > 0 { hasher = SHA256() }
            resumedFrom = 0
            if let length = response.header("content-length").flatMap({ Int64($0) }) { announcedTotal = length }
        }
        if announcedTotal == nil, let linked = response.header("x-linked-size").flatMap({ Int64($0) }) {
            announcedTotal = linked
        }
        if !FileManager.default.fileExists(atPath: part.path) || startAt == 0 {
            guard FileManager.default.createFile(atPath: part.path, contents: nil) else {
                throw HubError.io(path: part.path, message: "cannot create the download file")
            }
        }
        let handle: FileHandle
        do {
            handle = try FileHandle(forWritingTo: part)
            try handle.truncate(atOffset: UInt64(startAt))
            try handle.seekToEnd()
        } catch {
            throw HubError.io(path: part.path, message: "cannot write the download file: \(error.localizedDescription)")
        }
        self.handle = handle
        progress?.begin(label, total: expectedSize ?? announcedTotal, alreadyHave: startAt)
    }

    func receive(_ chunk: Data) throws {
        hasher.update(chunk)
        buffer.append(chunk)
        if buffer.count >= 1 << 20 { try flush() }
        progress?.advance(chunk.count)
    }

    func flush() throws {
        guard let handle, !buffer.isEmpty else { return }
        do { try handle.write(contentsOf: buffer) } catch {
            throw HubError.io(path: part.path, message: "cannot write the download file: \(error.localizedDescription)")
        }
        buffer.removeAll(keepingCapacity: true)
    }

    func close() {
        try? flush()  // keep what arrived so the next attempt can resume from it
        try? handle?.close()
        handle = nil
    }

    static func parseContentRange(_ value: String) -> (start: Int64, end: Int64, total: Int64?)? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        guard trimmed.lowercased().hasPrefix("bytes ") else { return nil }
        let spec = trimmed.dropFirst(6)
        let halves = spec.split(separator: "/", maxSplits: 1)
        guard halves.count == 2 else { return nil }
        let bounds = halves[0].split(separator: "-")
        guard bounds.count == 2, let start = Int64(bounds[0]), let end = Int64(bounds[1]) else { return nil }
        return (start, end, Int64(halves[1]))
    }
}
