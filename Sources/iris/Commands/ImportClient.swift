import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// The few REST calls `iris import` makes to an Iris (or Weaviate) server, over AsyncHTTPClient's shared
/// connection pool. Foundation's URLSession on Linux (libcurl behind dispatch sources) spent about 45 ms of
/// CPU per uploaded image in wake-ups (strace: 113,000 futex calls for 340 images), as much as the int8
/// model spends embedding it on a server that shares the machine.
final class ImportClient: Sendable {
    let baseURL: URL
    let apiKey: String?

    /// One for the process (never shut down). A refused connection fails the request at once, as curl
    /// did, instead of being retried until the connect timeout: an import into the wrong port should say so.
    private static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(10))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    init(baseURL: URL, apiKey: String?) {
        self.baseURL = baseURL
        self.apiKey = apiKey
    }

    /// The class definition, or a clear error when the server is unreachable or the class is missing.
    func classDefinition(_ name: String) async throws -> [String: Any] {
        let (body, status) = try await send("GET", "v1/schema/\(name)")
        switch status {
        case 200:
            guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
                throw ImportError("GET /v1/schema/\(name): the answer is not a JSON object")
            }
            return object
        case 404: throw ImportError("class \(name) does not exist on \(baseURL.absoluteString): create it first (POST /v1/schema)")
        case 401, 403: throw ImportError("GET /v1/schema/\(name): \(status) \(Self.message(body)) (use --api-key)")
        default: throw ImportError("GET /v1/schema/\(name): status \(status) \(Self.message(body))")
        }
    }

    /// True when the object exists (HEAD → 204).
    func exists(className: String, id: String) async throws -> Bool {
        let (body, status) = try await send("HEAD", "v1/objects/\(className)/\(id)")
        switch status {
        case 204, 200: return true
        case 404: return false
        default: throw ImportError("HEAD /v1/objects/\(className)/\(id): status \(status) \(Self.message(body))")
        }
    }

    /// `POST /v1/batch/objects`; returns one error message (or nil) per object, in order.
    ///
    /// The body is written by hand: the images are base64 (no JSON escaping needed), and Foundation's
    /// JSONSerialization spends more CPU on megabytes of base64 than the server's own parsing, CPU the
    /// server needs on a shared machine. Likewise the answer (which echoes every image) is only parsed
    /// when it holds an error.
    func batch(objects: [BatchObject]) async throws -> [String?] {
        var payload = Data("{\"objects\":[".utf8)
        for (k, object) in objects.enumerated() {
            if k > 0 { payload.append(UInt8(ascii: ",")) }
            try object.appendJSON(to: &payload)
        }
        payload.append(contentsOf: Array("]}".utf8))
        let (body, status) = try await send("POST", "v1/batch/objects", body: payload)
        guard status == 200 else { throw ImportError("POST /v1/batch/objects: status \(status) \(Self.message(body))") }
        if body.range(of: Data("\"errors\"".utf8)) == nil, body.first == UInt8(ascii: "[") {
            return objects.map { _ in nil }
        }
        guard let items = try? JSONSerialization.jsonObject(with: body) as? [[String: Any]], items.count == objects.count else {
            throw ImportError("POST /v1/batch/objects: unexpected answer (\(body.count) bytes)")
        }
        return items.map { item in
            let result = item["result"] as? [String: Any]
            let errors = (result?["errors"] as? [String: Any])?["error"] as? [[String: Any]]
            guard let errors, !errors.isEmpty else { return nil }
            return errors.compactMap { $0["message"] as? String }.joined(separator: "; ")
        }
    }

    private func send(_ method: String, _ path: String, body: Data? = nil) async throws -> (Data, Int) {
        let url = baseURL.appendingPathComponent(path).absoluteString
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        if let body {
            request.body = .bytes(ByteBuffer(data: body))
            request.headers.add(name: "Content-Type", value: "application/json")
        }
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        do {
            // A large batch of images on a CPU takes a while.
            let response = try await Self.http.execute(request, timeout: .seconds(3600))
            let answer = try await response.body.collect(upTo: 1 << 31)
            return (Data(buffer: answer), Int(response.status.code))
        } catch let error as IOError {  // from the socket: say it as the system does ("Connection refused")
            throw ImportError("\(method) \(url): \(String(cString: strerror(error.errnoCode)))")
        } catch {
            throw ImportError("\(method) \(url): \(error)")
        }
    }

    /// The first message of a Weaviate error body, or the body itself.
    static func message(_ body: Data) -> String {
        if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] {
            if let list = object["error"] as? [[String: Any]], let m = list.first?["message"] as? String { return m }
            if let m = object["message"] as? String { return m }
        }
        return String(decoding: body.prefix(300), as: UTF8.self)
    }
}

/// One object of an import batch: the image as base64 plus small text properties.
struct BatchObject {
    var className: String
    var id: String
    var imageField: String
    var imageBase64: String
    var texts: [String: String]

    /// A token no text can hold by chance (random per run, JSON-safe).
    private static let placeholder = "@@iris-image-\(UUID().uuidString)@@"

    func appendJSON(to out: inout Data) throws {
        var small: [String: Any] = ["class": className, "id": id]
        var properties: [String: Any] = texts
        properties[imageField] = Self.placeholder  // replaced by the base64 below
        small["properties"] = properties
        let json = try JSONSerialization.data(withJSONObject: small, options: [.sortedKeys])
        let placeholder = Data("\"\(Self.placeholder)\"".utf8)
        guard let range = json.range(of: placeholder) else {
            throw ImportError("internal: cannot place the image in the batch body")
        }
        out.append(json[json.startIndex..<range.lowerBound])
        out.append(UInt8(ascii: "\""))
        out.append(contentsOf: Array(imageBase64.utf8))  // base64 needs no JSON escaping
        out.append(UInt8(ascii: "\""))
        out.append(json[range.upperBound...])
    }
}
