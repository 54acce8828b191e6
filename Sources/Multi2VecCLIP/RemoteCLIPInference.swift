import AsyncHTTPClient
import Database
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// An inference service over HTTP (`CLIP_INFERENCE_API`): `iris inference` or the Python container.
/// Each call is a fresh request, so when the service comes back after an outage the next call works.
public final class RemoteCLIPInference: CLIPInference {
    public let baseURL: URL
    private let lastMeta = LockedValue<JSONValue?>(nil)

    /// A big batch of images takes a while on a CPU (Weaviate sets no timeout at all).
    static let vectorizeTimeout: TimeAmount = .seconds(600)

    /// AsyncHTTPClient, one for the process (never shut down): Foundation's URLSession on Linux kept a core
    /// busy in wake-ups while it waited for an answer (see ImportClient). A refused connection fails the
    /// call at once, so an outage gives its error now and the next call after it tries again.
    private static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(10))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    public init(baseURL: URL) {
        self.baseURL = baseURL
    }

    /// Polls `/.well-known/ready` every second (500 ms per probe) until any 2xx, as Weaviate does at
    /// start-up; throws after `timeout`.
    public func waitUntilReady(timeout: Duration = .seconds(120)) async throws {
        let deadline = ContinuousClock.now + timeout
        var lastError = "no answer"
        while ContinuousClock.now < deadline {
            do {
                let (_, status) = try await send(.GET, ".well-known/ready", timeout: .milliseconds(500))
                if (200...299).contains(status) { return }
                lastError = "status \(status)"
            } catch {
                lastError = "\(error)"
            }
            try await Task.sleep(for: .seconds(1))
        }
        throw CLIPInferenceError("the inference service at \(baseURL.absoluteString) was not ready within \(timeout): \(lastError)")
    }

    public func vectorize(texts: [String], images: [String]) async throws -> CLIPVectors {
        let url = baseURL.appendingPathComponent("vectorize")
        let payload = try JSONSerialization.data(withJSONObject: ["texts": texts, "images": images])
        let (body, status): (Data, Int)
        do { (body, status) = try await send(.POST, "vectorize", body: payload, timeout: Self.vectorizeTimeout) } catch {
            throw CLIPInferenceError("remote client vectorize: send POST request: Post \"\(url.absoluteString)\": \(error)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw CLIPInferenceError("remote client vectorize: unmarshal response body: status \(status), \(body.count) bytes")
        }
        if status > 399 {
            throw CLIPInferenceError("remote client vectorize: fail with status \(status): \(object["error"] ?? object["detail"] ?? "")")
        }
        func vectors(_ key: String) throws -> [[Float]] {
            guard let rows = object[key] as? [[Any]] else {
                if object[key] == nil || object[key] is NSNull { return [] }
                throw CLIPInferenceError("remote client vectorize: \(key) is not a list of vectors")
            }
            return try rows.map { row in
                try row.map { v in
                    guard let n = v as? NSNumber else { throw CLIPInferenceError("remote client vectorize: non-numeric value in \(key)") }
                    return n.floatValue
                }
            }
        }
        let result = CLIPVectors(textVectors: try vectors("textVectors"), imageVectors: try vectors("imageVectors"))
        guard result.textVectors.count == texts.count, result.imageVectors.count == images.count else {
            throw CLIPInferenceError("remote client vectorize: expected \(texts.count) text and \(images.count) image vectors, got \(result.textVectors.count) and \(result.imageVectors.count)")
        }
        return result
    }

    /// The service's `/meta`; when it is unreachable the last answer is reused so `/v1/meta` keeps
    /// working during an outage (Weaviate would answer 500 there and break clients that start up).
    public func meta() async throws -> JSONValue {
        do {
            let (body, status) = try await send(.GET, "meta", timeout: .seconds(60))
            guard (200...299).contains(status) else { throw CLIPInferenceError("status \(status)") }
            let value = try JSONValue.parse(body)
            lastMeta.set(value)
            return value
        } catch {
            if let cached = lastMeta.get() { return cached }
            throw CLIPInferenceError("remote client meta: \(error)")
        }
    }

    /// One request, failed with "timeout" when it has no answer within `timeout`.
    private func send(_ method: HTTPMethod, _ path: String, body: Data? = nil, timeout: TimeAmount) async throws -> (Data, Int) {
        var request = HTTPClientRequest(url: baseURL.appendingPathComponent(path).absoluteString)
        request.method = method
        if let body {
            request.body = .bytes(ByteBuffer(data: body))
            request.headers.add(name: "Content-Type", value: "application/json")
        }
        do {
            let response = try await Self.http.execute(request, timeout: timeout)
            let answer = try await response.body.collect(upTo: 1 << 30)
            return (Data(buffer: answer), Int(response.status.code))
        } catch {
            throw CLIPInferenceError(Self.describe(error))
        }
    }

    /// Go's wording, as Weaviate's errors carry it: "connection refused", "timeout", "no such host".
    static func describe(_ error: Error) -> String {
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)).lowercased() }
        if error is SocketAddressError { return "no such host" }
        if let e = error as? HTTPClientError, [.deadlineExceeded, .readTimeout, .connectTimeout].contains(e) { return "timeout" }
        return "\(error)"
    }
}

/// A value shared between threads behind a lock (@unchecked Sendable: `value` is touched only under `lock`).
final class LockedValue<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: T
    init(_ value: T) { self.value = value }
    func get() -> T { lock.lock(); defer { lock.unlock() }; return value }
    func set(_ new: T) { lock.lock(); value = new; lock.unlock() }
}
