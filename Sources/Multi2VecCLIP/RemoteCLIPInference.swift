import Database
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// An inference service over HTTP (`CLIP_INFERENCE_API`): `iris inference` or the Python container.
/// Each call is a fresh request, so when the service comes back after an outage the next call works.
public final class RemoteCLIPInference: CLIPInference {
    public let baseURL: URL
    private let session: URLSession
    private let lastMeta = LockedValue<JSONValue?>(nil)

    /// A big batch of images takes a while on a CPU (Weaviate sets no timeout at all); a request's
    /// own `timeoutInterval` (60 s by default) would otherwise win over the session's.
    static let vectorizeTimeout: TimeInterval = 600

    public init(baseURL: URL) {
        self.baseURL = baseURL
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = Self.vectorizeTimeout
        session = URLSession(configuration: configuration)
    }

    /// Polls `/.well-known/ready` every second (500 ms per probe) until any 2xx, as Weaviate does at
    /// start-up; throws after `timeout`.
    public func waitUntilReady(timeout: Duration = .seconds(120)) async throws {
        let deadline = ContinuousClock.now + timeout
        var lastError = "no answer"
        while ContinuousClock.now < deadline {
            // The 500 ms probe deadline is kept here: swift-corelibs-foundation fails sub-second
            // `timeoutInterval`s at once (NSURLErrorTimedOut after a few ms), so the request gets 5 s.
            var request = URLRequest(url: baseURL.appendingPathComponent(".well-known/ready"))
            request.timeoutInterval = 5
            do {
                let (_, status) = try await send(request, deadline: 0.5)
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
        var request = URLRequest(url: url)
        request.timeoutInterval = Self.vectorizeTimeout
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: ["texts": texts, "images": images])
        let (body, status): (Data, Int)
        do { (body, status) = try await send(request) } catch {
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
            let (body, status) = try await send(URLRequest(url: baseURL.appendingPathComponent("meta")))
            guard (200...299).contains(status) else { throw CLIPInferenceError("status \(status)") }
            let value = try JSONValue.parse(body)
            lastMeta.set(value)
            return value
        } catch {
            if let cached = lastMeta.get() { return cached }
            throw CLIPInferenceError("remote client meta: \(error)")
        }
    }

    /// One request; with a `deadline` (seconds) it fails with "timeout" then and the request is cancelled.
    private func send(_ request: URLRequest, deadline: Double? = nil) async throws -> (Data, Int) {
        let finished = LockedValue(false)
        return try await withCheckedThrowingContinuation { continuation in
            @Sendable func finish(_ result: Result<(Data, Int), Error>) {
                if finished.setIfFalse() { continuation.resume(with: result) }
            }
            let task = session.dataTask(with: request) { data, response, error in
                if let error {
                    finish(.failure(CLIPInferenceError(Self.describe(error))))
                } else {
                    finish(.success((data ?? Data(), (response as? HTTPURLResponse)?.statusCode ?? 0)))
                }
            }
            task.resume()
            if let deadline {
                DispatchQueue.global().asyncAfter(deadline: .now() + deadline) {
                    finish(.failure(CLIPInferenceError("timeout after \(deadline) s")))
                    task.cancel()
                }
            }
        }
    }

    private static func describe(_ error: Error) -> String {
        guard let urlError = error as? URLError else { return "\(error)" }
        switch urlError.code {
        case .cannotConnectToHost: return "connection refused"
        case .timedOut: return "timeout"
        case .cannotFindHost: return "no such host"
        case .networkConnectionLost: return "connection reset"
        default: return urlError.localizedDescription
        }
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

extension LockedValue where T == Bool {
    /// Sets the flag; true only for the caller that changed it from false.
    func setIfFalse() -> Bool {
        lock.lock(); defer { lock.unlock() }
        if value { return false }
        value = true
        return true
    }
}
