import Foundation
import Hummingbird
import Logging
import NIOCore

/// The container's HTTP routes: `POST /vectorize`, `GET /meta`, `GET /.well-known/live|ready` (204).
/// Bodies are read as JSON whatever the Content-Type says.
public struct InferenceServer: Sendable {
    public let service: InferenceService
    public let logger: Logger
    public let maxBodyBytes: Int

    public init(service: InferenceService, logger: Logger, maxBodyBytes: Int = 256 << 20) {
        self.service = service
        self.logger = logger
        self.maxBodyBytes = maxBodyBytes
    }

    public func run(host: String, port: Int, onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let router = Router()
        router.get("/.well-known/live") { _, _ in Response(status: .noContent) }
        router.get("/.well-known/ready") { _, _ in Response(status: .noContent) }
        router.get("/meta") { _, _ in Self.json(service.meta()) }
        router.post("/vectorize") { request, _ in
            let buffer: ByteBuffer
            do { buffer = try await request.body.collect(upTo: maxBodyBytes) } catch {
                return Self.json((413, InferenceService.errorBody("request body too large (limit \(maxBodyBytes) bytes)")))
            }
            let answer = await service.vectorize(body: Array(buffer.readableBytesView))
            if answer.status >= 500 {
                logger.error("vectorize failed", metadata: ["error": "\(String(decoding: answer.body, as: UTF8.self))"])
            }
            return Self.json(answer)
        }
        let app = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
            logger: logger
        )
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }

    static func json(_ answer: (status: Int, body: Data)) -> Response {
        Response(
            status: HTTPResponse.Status(code: answer.status),
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body))
        )
    }
}
