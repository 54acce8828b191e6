import Database
import Foundation
import Hashing
import ImageProcessing

/// The web console (`/console/`, docs/modules/RESTAPI.md "The web console"): its static files, and the one
/// API route it adds, thumbnails of blob properties. Everything else the console shows it reads through the
/// ordinary REST and GraphQL routes with the user's own key.
enum ConsoleRoutes {
    /// The console's pages run only their own scripts and styles and talk only to this server; images come
    /// from this server or from blob:/data: URLs the scripts make (thumbnails fetched with the key, dropped files).
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    /// Headers of every console response (files and thumbnails).
    static let safetyHeaders: [String: String] = [
        "Content-Security-Policy": contentSecurityPolicy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
    ]

    /// GET/HEAD of `/console`, `/console/` and `/console/<file>`; nil for any other path (or unknown file).
    static func staticFile(path: String, ifNoneMatch: String?) -> APIResponse? {
        if path == "/console" { return APIResponse(status: 301, location: "/console/", headers: safetyHeaders) }
        guard path.hasPrefix("/console/") else { return nil }
        let name = String(path.dropFirst("/console/".count))
        guard let file = ConsoleFiles.all[name.isEmpty ? "index.html" : name] else { return nil }
        var headers = safetyHeaders
        headers["ETag"] = file.etag
        // Revalidated on every load, so a new binary's console is picked up at once (a 304 costs no body).
        headers["Cache-Control"] = "no-cache"
        if ETags.matches(ifNoneMatch, file.etag) { return APIResponse(status: 304, headers: headers) }
        return APIResponse(status: 200, body: file.bytes, contentType: file.contentType, headers: headers)
    }

    static func register(into table: inout RouteTable, _ ctx: RouteContext) {
        // A JPEG of at most `size` (default 256) pixels on its longest side of one object's blob property.
        // Authorised as a read of the object; ETag = digest of the stored base64 and the size.
        table.add("GET", "/v1/console/thumbnail/{className}/{id}/{property}") { request in
            let id = try ctx.uuidParameter(request)
            let className = request.parameter("className"), property = request.parameter("property")
            try ctx.authorize(request, "get", "objects/\(className)/\(id)")
            let size = try ctx.intQuery(request, "size") ?? ConsoleThumbnails.defaultSize
            guard ConsoleThumbnails.sizes.contains(size) else {
                throw APIError.unprocessable(
                    "size must be between \(ConsoleThumbnails.sizes.lowerBound) and \(ConsoleThumbnails.sizes.upperBound)")
            }
            guard let object = try await ctx.database.getObject(className: className, id: id),
                  let definition = ctx.database.getClass(object.className),
                  let propertyDefinition = definition.property(named: property)
            else { return .empty(404) }
            guard propertyDefinition.kind == .blob else {
                throw APIError.unprocessable(
                    "property '\(property)' of class '\(object.className)' is \(propertyDefinition.dataType.joined(separator: ",")), not blob")
            }
            guard case .string(let base64)? = object.properties[property], !base64.isEmpty else { return .empty(404) }

            var headers = safetyHeaders
            headers["ETag"] = ConsoleThumbnails.etag(base64: base64, size: size)
            // private: the answer depends on the caller's key, so no shared cache may keep it. A minute of
            // reuse makes paging back free; after it the ETag makes a check cheap.
            headers["Cache-Control"] = "private, max-age=60"
            if ETags.matches(request.headers["if-none-match"], headers["ETag"]!) {
                return APIResponse(status: 304, headers: headers)
            }
            let jpeg = try await ConsoleThumbnails.render(base64: base64, size: size, property: property)
            return APIResponse(status: 200, body: jpeg, contentType: "image/jpeg", headers: headers)
        }
    }
}

/// Thumbnail rendering off Swift's cooperative threads.
enum ConsoleThumbnails {
    static let defaultSize = 256
    static let sizes = 16...1024
    /// Bumped when the encoder's output changes, so cached thumbnails are not reused.
    static let version = "2"

    static func etag(base64: String, size: Int) -> String {
        var hasher = SHA256()
        var text = base64
        text.withUTF8 { hasher.update(UnsafeRawBufferPointer($0)) }
        return "\"t\(version)-\(size)-\(hasher.hexDigest().prefix(32))\""
    }

    /// Decoding and resizing take milliseconds of CPU each; they run on a queue as wide as the machine, not on
    /// the cooperative pool that every other request needs (a page asks for dozens at once).
    private static let workers: OperationQueue = {
        let queue = OperationQueue()
        queue.name = "iris.console.thumbnails"
        queue.maxConcurrentOperationCount = max(1, ProcessInfo.processInfo.activeProcessorCount)
        return queue
    }()

    static func render(base64: String, size: Int, property: String) async throws -> [UInt8] {
        let result: Result<[UInt8], APIError> = await withCheckedContinuation { continuation in
            workers.addOperation {
                guard let data = Data(base64Encoded: base64) else {
                    continuation.resume(returning: .failure(.unprocessable("property '\(property)' is not valid base64")))
                    return
                }
                do {
                    let thumbnail = try Thumbnailer(maxSide: size).thumbnail(of: data)
                    continuation.resume(returning: .success(thumbnail.jpeg))
                } catch {
                    continuation.resume(returning: .failure(.unprocessable("property '\(property)' is not a readable image: \(error)")))
                }
            }
        }
        return try result.get()
    }
}

/// `If-None-Match` against one entity tag (weak comparison, as RFC 9110 prescribes for this header).
enum ETags {
    static func matches(_ ifNoneMatch: String?, _ etag: String) -> Bool {
        guard let ifNoneMatch else { return false }
        let wanted = etag.hasPrefix("W/") ? String(etag.dropFirst(2)) : etag
        for candidate in ifNoneMatch.split(separator: ",") {
            var tag = candidate.trimmingCharacters(in: .whitespaces)
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag.removeFirst(2) }
            if tag == wanted { return true }
        }
        return false
    }
}
