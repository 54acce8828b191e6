import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// What a streamed GET saw: the final response plus the hub's headers from a redirect hop (the hub puts
/// X-Linked-Etag / X-Linked-Size / X-Repo-Commit on the 302 to its CDN, not on the CDN's answer).
struct TransferResponse {
    let status: Int
    let headers: [String: String]  // lower-cased names; redirect-hop hub headers merged in when absent
    let finalURL: URL?

    func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// Receives a streamed body. `begin` sees the response before any byte (and may throw to abort);
/// `receive` gets each chunk in order. Both are called on one serial queue.
protocol TransferSink: AnyObject {
    func begin(_ response: TransferResponse) throws
    func receive(_ chunk: Data) throws
}

/// One GET streamed through URLSession's delegate API, so bodies go to disk chunk by chunk.
/// Non-2xx answers are not streamed: their (small) body is kept for the error message.
/// @unchecked Sendable: its mutable state is touched only on the session's serial delegate queue.
final class HTTPTransfer: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let sink: TransferSink?
    private let token: String?
    private let originalHost: String?
    private var redirectHeaders: [String: String] = [:]
    private var response: TransferResponse?
    private var errorBody = Data()
    private var sinkError: Error?
    private var continuation: CheckedContinuation<(TransferResponse, Data), Error>?

    private init(sink: TransferSink?, token: String?, originalHost: String?) {
        self.sink = sink
        self.token = token
        self.originalHost = originalHost
    }

    /// Streams `url` into `sink` (2xx) and returns the response and, for non-2xx, the error body.
    /// With no sink, a 2xx body is collected and returned too (for small JSON answers).
    static func get(_ url: URL, headers: [String: String], token: String?, idleTimeout: TimeInterval,
                    sink: TransferSink?, method: String = "GET") async throws -> (TransferResponse, Data) {
        let transfer = HTTPTransfer(sink: sink, token: token, originalHost: url.host)
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = idleTimeout
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        request.setValue("iris-modelhub/1", forHTTPHeaderField: "User-Agent")

        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = idleTimeout
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1  // the sink is not thread-safe; callbacks stay ordered
        let session = URLSession(configuration: configuration, delegate: transfer, delegateQueue: queue)
        defer { session.finishTasksAndInvalidate() }

        let finalRequest = request
        return try await withCheckedThrowingContinuation { continuation in
            queue.addOperation {
                transfer.continuation = continuation
                session.dataTask(with: finalRequest).resume()
            }
        }
    }

    // MARK: URLSessionDataDelegate

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        for (key, value) in response.allHeaderFields {
            if let name = (key as? String)?.lowercased(), name.hasPrefix("x-"), let value = value as? String {
                redirectHeaders[name] = value
            }
        }
        var next = request
        // A bearer token must not leak to the CDN host the hub redirects large files to.
        if request.url?.host != originalHost {
            next.setValue(nil, forHTTPHeaderField: "Authorization")
        } else if let token {
            next.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        }
        completionHandler(next)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        guard let http = response as? HTTPURLResponse else {
            sinkError = HubError.invalidResponse(url: response.url?.absoluteString ?? "?", message: "not an HTTP response")
            completionHandler(.cancel)
            return
        }
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let name = key as? String, let value = value as? String { headers[name.lowercased()] = value }
        }
        for (name, value) in redirectHeaders where headers[name] == nil { headers[name] = value }
        let transferResponse = TransferResponse(status: http.statusCode, headers: headers, finalURL: http.url)
        self.response = transferResponse
        if (200..<300).contains(http.statusCode), let sink {
            do { try sink.begin(transferResponse) } catch {
                sinkError = error
                completionHandler(.cancel)
                return
            }
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard sinkError == nil, let response else { return }
        if (200..<300).contains(response.status), let sink {
            do { try sink.receive(data) } catch {
                sinkError = error
                dataTask.cancel()
            }
        } else if errorBody.count < 1 << 20 {
            errorBody.append(data)
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        let continuation = self.continuation
        self.continuation = nil
        if let sinkError {
            continuation?.resume(throwing: sinkError)
        } else if let error {
            let url = task.originalRequest?.url?.absoluteString ?? "?"
            continuation?.resume(throwing: HTTPTransfer.describe(error, url: url))
        } else if let response {
            continuation?.resume(returning: (response, errorBody))
        } else {
            continuation?.resume(throwing: HubError.invalidResponse(
                url: task.originalRequest?.url?.absoluteString ?? "?", message: "no response"))
        }
    }

    /// Turns URLSession's errors into a HubError with a readable reason.
    static func describe(_ error: Error, url: String) -> HubError {
        if let hubError = error as? HubError { return hubError }
        if let urlError = error as? URLError {
            let reason: String
            switch urlError.code {
            case .cannotConnectToHost: reason = "connection refused (is the hub address right and the network up?)"
            case .cannotFindHost, .dnsLookupFailed: reason = "unknown host (DNS lookup failed; is the network up?)"
            case .notConnectedToInternet: reason = "not connected to the network"
            case .timedOut: reason = "timed out waiting for data"
            case .networkConnectionLost: reason = "the connection was lost mid-transfer"
            case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate:
                reason = "TLS handshake failed (\(urlError.localizedDescription))"
            default: reason = urlError.localizedDescription
            }
            return .network(url: url, message: reason)
        }
        return .network(url: url, message: String(describing: error))
    }
}

extension HubError {
    /// Whether retrying (with a resume) might help: dropped connections and timeouts, not 4xx answers.
    var isTransient: Bool {
        switch self {
        case .network: return true
        case .httpStatus(_, let status, _): return status >= 500 || status == 429
        default: return false
        }
    }
}
