import Foundation
import ModelHub
#if canImport(Glibc)
import Glibc
import Hashing
#endif

/// A small HTTP/1.1 server on 127.0.0.1 (plain POSIX sockets, one thread per connection) that serves
/// fixture model folders in the Hugging Face hub's URL layout:
///   GET /api/models/{org}/{name}[/revision/{rev}]?blobs=true   -> {"id","sha","siblings":[{rfilename,size,lfs}]}
///   GET /{org}/{name}/resolve/{rev}/{path}                      -> the file (LFS files: 302 to /cdn/{sha256}
///                                                                  with X-Linked-Etag / X-Linked-Size, like the hub)
/// with Range support, and knobs to misbehave: drop a connection mid-body, ignore Range, lie about a hash.
final class LoopbackHubServer: @unchecked Sendable {
    struct RepoFile {
        let data: Data
        let sha256: String?  // set for "LFS" files only, like the hub
    }

    struct Repo {
        let commit: String
        var files: [String: RepoFile]
    }

    struct LoggedRequest {
        let method: String
        let path: String
        let range: String?
        let authorization: String?
        let status: Int
    }

    private let lock = NSLock()
    private var repos: [String: Repo] = [:]
    private var log: [LoggedRequest] = []
    private var listenFD: Int32 = -1
    private(set) var port: UInt16 = 0

    // Misbehaviour knobs (guarded by `lock`).
    private var dropPlan: [String: (afterBytes: Int, times: Int)] = [:]
    private var reportedSHA: [String: String] = [:]
    private var ignoreRange = false
    private var requiredToken: String?
    private var listingWithoutHashes = false
    private var missingButListed: Set<String> = []
    private var cdnHost = "127.0.0.1"

    var endpoint: String { "http://127.0.0.1:\(port)" }

    init() throws {
        listenFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listenFD >= 0 else { throw ServerError("socket() failed") }
        var yes: Int32 = 1
        setsockopt(listenFD, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0  // the kernel picks a free port
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listenFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listenFD, 64) == 0 else { throw ServerError("bind/listen failed: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listenFD, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        let fd = listenFD
        let thread = Thread { [weak self] in
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { return }  // listening socket closed: stop
                guard let self else { close(client); return }
                let worker = Thread { self.handle(client) }
                worker.start()
            }
        }
        thread.start()
    }

    func stop() {
        if listenFD >= 0 {
            shutdown(listenFD, Int32(SHUT_RDWR))
            close(listenFD)
            listenFD = -1
        }
    }

    deinit { stop() }

    // MARK: Configuration

    /// Serves every file of `folder` as repository `repoID`; weights and files over 1 MB count as LFS
    /// (hash reported), `extraFiles` adds files that exist on the hub but a model does not need.
    func addRepo(_ repoID: String, folder: URL, extraFiles: [String: Data] = [:],
                 hash: (URL) throws -> String) throws {
        var files = try Self.loadFolder(folder, hash: hash)
        for (path, data) in extraFiles { files[path] = RepoFile(data: data, sha256: nil) }
        let commit = String(SHA256.hex(of: Data(repoID.utf8)).prefix(40))
        lock.withLock { repos[repoID] = Repo(commit: commit, files: files) }
    }

    /// Fixture folders are read and hashed once per test run, not once per test.
    private static let cacheLock = NSLock()
    nonisolated(unsafe) private static var folderCache: [String: [String: RepoFile]] = [:]

    private static func loadFolder(_ folder: URL, hash: (URL) throws -> String) throws -> [String: RepoFile] {
        let base = folder.standardizedFileURL.path
        if let cached = cacheLock.withLock({ folderCache[base] }) { return cached }
        var files: [String: RepoFile] = [:]
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])!
        for case let url as URL in enumerator {
            guard (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true else { continue }
            let relative = String(url.standardizedFileURL.path.dropFirst(base.count + 1))
            let data = try Data(contentsOf: url)
            let isLFS = url.pathExtension == "safetensors" || url.pathExtension == "bin" || data.count > 1_000_000
            files[relative] = RepoFile(data: data, sha256: isLFS ? try hash(url) : nil)
        }
        cacheLock.withLock { folderCache[base] = files }
        return files
    }

    /// Makes resolve answer 404 for `path`; with keepListed it still appears in the listing (a broken mirror).
    func removeFile(_ path: String, from repoID: String, keepListed: Bool) {
        lock.withLock {
            if keepListed { missingButListed.insert(repoID + "/" + path) } else { repos[repoID]?.files[path] = nil }
        }
    }

    func dropConnection(for path: String, afterBytes: Int, times: Int = 1) {
        lock.withLock { dropPlan[path] = (afterBytes, times) }
    }

    func reportSHA256(_ sha: String, for path: String) {
        lock.withLock { reportedSHA[path] = sha }
    }

    func setIgnoreRange(_ value: Bool) { lock.withLock { ignoreRange = value } }
    /// Leave `lfs` out of the listing, so only the X-Linked-Etag header carries the sha256.
    func setListingWithoutHashes(_ value: Bool) { lock.withLock { listingWithoutHashes = value } }
    /// Redirect LFS files to another host name (the hub's CDN is another host: the token must not follow).
    func setCDNHost(_ host: String) { lock.withLock { cdnHost = host } }
    func requireToken(_ token: String?) { lock.withLock { requiredToken = token } }

    var requests: [LoggedRequest] { lock.withLock { log } }
    func clearLog() { lock.withLock { log.removeAll() } }

    // MARK: HTTP

    private func handle(_ fd: Int32) {
        defer { close(fd) }
        guard let (method, target, headers) = readRequest(fd) else { return }
        let path = target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? target
        let decodedPath = path.removingPercentEncoding ?? path
        let auth = headers["authorization"]
        let range = headers["range"]
        let (tokenRequired, noRange) = lock.withLock { (requiredToken, ignoreRange) }

        func respond(_ status: Int, _ extra: [String: String] = [:], body: Data = Data(), sendBody: Bool = true,
                     dropAfter: Int? = nil) {
            lock.withLock { log.append(LoggedRequest(method: method, path: decodedPath, range: range, authorization: auth, status: status)) }
            var head = "HTTP/1.1 \(status) \(Self.reason(status))\r\n"
            var allHeaders = extra
            allHeaders["Content-Length"] = allHeaders["Content-Length"] ?? String(body.count)
            allHeaders["Connection"] = "close"
            for (name, value) in allHeaders.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
            head += "\r\n"
            guard sendAll(fd, Data(head.utf8)), sendBody, method != "HEAD" else { return }
            let payload = dropAfter.map { body.prefix(min($0, body.count)) } ?? body
            _ = sendAll(fd, Data(payload))
        }

        if let tokenRequired, auth != "Bearer \(tokenRequired)", !decodedPath.hasPrefix("/cdn/") {
            respond(401, ["Content-Type": "application/json", "X-Error-Code": "RepoNotFound"],
                    body: Data(#"{"error":"Repository not found"}"#.utf8))
            return
        }
        let parts = decodedPath.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)

        // /api/models/{org}/{name}[/revision/{rev}]
        if parts.count >= 4, parts[0] == "api", parts[1] == "models" {
            let repoID = parts[2] + "/" + parts[3]
            let revision = parts.count >= 6 && parts[4] == "revision" ? parts[5...].joined(separator: "/") : "main"
            guard let repo = lock.withLock({ repos[repoID] }) else {
                respond(401, ["Content-Type": "application/json", "X-Error-Code": "RepoNotFound",
                              "X-Error-Message": "Repository not found"],
                        body: Data(#"{"error":"Repository not found"}"#.utf8))
                return
            }
            guard revision == "main" || revision == repo.commit else {
                respond(404, ["X-Error-Code": "RevisionNotFound"], body: Data(#"{"error":"Invalid rev id"}"#.utf8))
                return
            }
            let (lies, noHashes) = lock.withLock { (reportedSHA, listingWithoutHashes) }
            let siblings: [[String: Any]] = repo.files.keys.sorted().map { name in
                let file = repo.files[name]!
                var entry: [String: Any] = ["rfilename": name, "size": file.data.count, "blobId": String(repeating: "0", count: 40)]
                if !noHashes, let sha = lies[name] ?? file.sha256 {
                    entry["lfs"] = ["sha256": sha, "size": file.data.count, "pointerSize": 134]
                }
                return entry
            }
            let json: [String: Any] = ["id": repoID, "modelId": repoID, "sha": repo.commit, "siblings": siblings]
            respond(200, ["Content-Type": "application/json"], body: try! JSONSerialization.data(withJSONObject: json))
            return
        }

        // /cdn/{org}/{name}/{path}: where LFS files are redirected, like the hub's CDN.
        if parts.count >= 4, parts[0] == "cdn" {
            let repoID = parts[1] + "/" + parts[2]
            let filePath = parts[3...].joined(separator: "/")
            guard let file = lock.withLock({ repos[repoID]?.files[filePath] }) else { respond(404); return }
            serveBytes(file.data, path: filePath, range: noRange ? nil : range, respond: respond)
            return
        }

        // /{org}/{name}/resolve/{rev}/{path}
        if parts.count >= 5, parts[2] == "resolve" {
            let repoID = parts[0] + "/" + parts[1]
            let revision = parts[3]
            let filePath = parts[4...].joined(separator: "/")
            guard let repo = lock.withLock({ repos[repoID] }) else {
                respond(401, ["X-Error-Code": "RepoNotFound"], body: Data("Repository not found".utf8))
                return
            }
            guard revision == "main" || revision == repo.commit else {
                respond(404, ["X-Error-Code": "RevisionNotFound"])
                return
            }
            let missing = lock.withLock { missingButListed.contains(repoID + "/" + filePath) }
            guard let file = repo.files[filePath], !missing else {
                respond(404, ["X-Error-Code": "EntryNotFound", "X-Error-Message": "Entry not found"])
                return
            }
            if let realSHA = file.sha256 {
                let (sha, host) = lock.withLock { (reportedSHA[filePath] ?? realSHA, cdnHost) }
                respond(302, ["Location": "http://\(host):\(port)/cdn/\(repoID)/\(filePath)", "X-Repo-Commit": repo.commit,
                              "X-Linked-Etag": "\"\(sha)\"", "X-Linked-Size": String(file.data.count),
                              "ETag": "\"\(String(repeating: "0", count: 40))\""])
                return
            }
            var headersOut = ["X-Repo-Commit": repo.commit]
            headersOut["ETag"] = "\"\(String(repeating: "0", count: 40))\""
            serveBytes(file.data, path: filePath, range: noRange ? nil : range, extra: headersOut, respond: respond)
            return
        }
        respond(404, body: Data("not found".utf8))
    }

    private func serveBytes(_ data: Data, path: String, range: String?, extra: [String: String] = [:],
                            respond: (Int, [String: String], Data, Bool, Int?) -> Void) {
        var headers = extra
        headers["Accept-Ranges"] = "bytes"
        headers["Content-Type"] = "application/octet-stream"
        let drop: Int? = lock.withLock {
            guard let plan = dropPlan[path], plan.times > 0 else { return nil }
            dropPlan[path] = (plan.afterBytes, plan.times - 1)
            return plan.afterBytes
        }
        if let range, range.hasPrefix("bytes="), range.hasSuffix("-"), let start = Int(range.dropFirst(6).dropLast()) {
            guard start < data.count else {
                headers["Content-Range"] = "bytes */\(data.count)"
                respond(416, headers, Data(), true, nil)
                return
            }
            headers["Content-Range"] = "bytes \(start)-\(data.count - 1)/\(data.count)"
            respond(206, headers, data.subdata(in: start..<data.count), true, drop)
            return
        }
        respond(200, headers, data, true, drop)
    }

    private func readRequest(_ fd: Int32) -> (String, String, [String: String])? {
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        let terminator: [UInt8] = [13, 10, 13, 10]
        while buffer.count < 65536 {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n <= 0 { return nil }
            buffer.append(contentsOf: chunk[0..<n])
            if buffer.count >= 4, (0...(buffer.count - 4)).contains(where: { Array(buffer[$0..<$0 + 4]) == terminator }) { break }
        }
        guard let text = String(bytes: buffer, encoding: .utf8) else { return nil }
        let lines = text.components(separatedBy: "\r\n")
        let requestLine = lines[0].split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return (String(requestLine[0]), String(requestLine[1]), headers)
    }

    private func sendAll(_ fd: Int32, _ data: Data) -> Bool {
        data.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 206: return "Partial Content"
        case 302: return "Found"
        case 401: return "Unauthorized"
        case 404: return "Not Found"
        case 416: return "Range Not Satisfiable"
        default: return "Status"
        }
    }

    struct ServerError: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }
}
