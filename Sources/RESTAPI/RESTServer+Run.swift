import Hummingbird
import Logging
import Metrics
import Prometheus

extension RESTServer {
    /// Serves the API on `host:port` until SIGTERM or SIGINT, then returns after in-flight requests
    /// finished (the caller then closes the Database). `onListening` runs once the socket is bound.
    /// With `metricsPort` (and `metrics`), `/metrics` is served on `host:metricsPort` alongside, as
    /// Weaviate serves it when PROMETHEUS_MONITORING_ENABLED is on; if either cannot bind, both stop.
    public func run(host: String, port: Int, metricsPort: Int? = nil,
                    onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let logger = self.logger
        let metricsApps = metricsPort.map { metricsPort in
            [Application(
                responder: metricsResponder,
                configuration: ApplicationConfiguration(address: .hostname(host, port: metricsPort), serverName: nil),
                onServerRunning: { channel in
                    logger.info("Serving Prometheus metrics at http://\(host):\(channel.localAddress?.port ?? metricsPort)/metrics",
                                metadata: ["action": "startup"])
                },
                logger: logger)]
        } ?? []
        let app = Application(
            responder: responder,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil),
            services: metricsApps,
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
