import Hummingbird
import Logging
import Metrics
import Prometheus

extension RESTServer {
    /// Serves the API on `host:port` until SIGTERM or SIGINT, then returns after in-flight requests
    /// finished (the caller then closes the Database). `onListening` runs once the socket is bound.
    public func run(host: String, port: Int, onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let app = Application(
            responder: responder,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
            logger: logger
        )
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }
}

extension RESTMetrics {
    /// Bootstraps swift-metrics with a Prometheus registry (once per process) and returns the
    /// metrics that `/metrics` renders.
    public static func bootstrapPrometheus() -> RESTMetrics {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return RESTMetrics(registry: registry)
    }
}
