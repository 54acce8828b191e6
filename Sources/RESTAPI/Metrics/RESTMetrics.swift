import Foundation
import Metrics
import Prometheus

/// Request counts and latencies by route and status, and object counts per class, in Prometheus's
/// text format at `/metrics`.
///
/// The counters go through swift-metrics, so they land wherever the process bootstrapped
/// `MetricsSystem`; `/metrics` renders `registry`, which the serve command bootstraps with
/// `PrometheusMetricsFactory(registry:)`.
public final class RESTMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let classGauges = NIOLockedGauges()

    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    func record(method: String, route: String, status: Int, seconds: Double) {
        let dimensions = [("method", method), ("route", route), ("status", String(status))]
        Counter(label: "iris_http_requests_total", dimensions: dimensions).increment()
        Metrics.Timer(label: "iris_http_request_duration_seconds", dimensions: [("method", method), ("route", route)])
            .recordNanoseconds(Int64(seconds * 1e9))
    }

    /// Sets `iris_objects{class=…}` to the current counts; classes that disappeared are dropped.
    func updateObjectCounts(_ counts: [String: Int]) {
        classGauges.update(counts, registry: registry)
    }

    /// The Prometheus text exposition of everything registered.
    func render() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}

/// The per-class gauges, registered on `registry` directly so a deleted class can be unregistered.
// @unchecked: `gauges` is read and written only under `lock`.
private final class NIOLockedGauges: @unchecked Sendable {
    private let lock = NSLock()
    private var gauges: [String: Prometheus.Gauge] = [:]

    func update(_ counts: [String: Int], registry: PrometheusCollectorRegistry) {
        lock.lock()
        defer { lock.unlock() }
        for (name, gauge) in gauges where counts[name] == nil {
            registry.unregisterGauge(gauge)
            gauges[name] = nil
        }
        for (name, count) in counts {
            let gauge = gauges[name] ?? registry.makeGauge(
                descriptor: MetricNameDescriptor(
                    namespace: "iris", metricName: "objects", unitName: "", helpText: "Objects stored per class"),
                labels: [("class", name)])
            gauges[name] = gauge
            gauge.set(Double(count))
        }
    }
}
