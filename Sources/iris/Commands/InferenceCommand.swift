import ArgumentParser
import Foundation
import InferenceAPI
import Logging

/// `iris inference`: the multi2vec-clip inference container's HTTP API, natively.
struct Inference: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inference",
        abstract: "Run the CLIP inference service (the multi2vec-clip container's API: /vectorize, /meta, /.well-known/*)."
    )

    @Option(help: "The IP to listen on.")
    var host = "0.0.0.0"

    @Option(help: "The port to listen on.")
    var port = 8080

    @OptionGroup var models: CLIPModelOptions

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        let level: Logger.Level = env["LOG_LEVEL"] == "trace" ? .trace : env["LOG_LEVEL"] == "debug" ? .debug : .info
        let format: LogrusStyleHandler.Format = env["LOG_FORMAT"] == "text" ? .text : .json
        LoggingSystem.bootstrap { label in LogrusStyleHandler(label: label, format: format, level: level) }
        let logger = Logger(label: "iris-inference")

        // The container honours ENABLE_CUDA=true|1; Iris computes on the CPU only and says so.
        if let cuda = env["ENABLE_CUDA"], cuda == "true" || cuda == "1" {
            logger.warning("ENABLE_CUDA is set but Iris runs CLIP on the CPU only (OpenBLAS); continuing on the CPU")
        }
        let started = ContinuousClock.now
        let embedder = try models.loadEmbedder(command: Self.configuration.commandName ?? "inference", environment: env)
        logger.info("models loaded", metadata: [
            "clip_model": "\(embedder.clipModel.folder.path)", "text_model": "\(embedder.textModel.folder.path)",
            "dimension": "\(embedder.dimension)", "took": "\(ContinuousClock.now - started)",
        ])
        let server = InferenceServer(service: InferenceService(embedder: embedder), logger: logger)
        try await server.run(host: host, port: port) { bound in
            logger.info("inference service listening", metadata: ["address": "\(host):\(bound)"])
        }
    }
}
