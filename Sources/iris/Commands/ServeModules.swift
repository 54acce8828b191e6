import CLIPEngine
import Database
import Foundation
import Logging
import Multi2VecCLIP
import RESTAPI

/// Builds the module registry from ENABLE_MODULES. Each vectorizer module the binary knows is
/// constructed here; unknown names stop start-up.
enum ServeModules {
    static func registry(enabled names: [String], dataPath: String, logger: Logger,
                         env: [String: String] = ProcessInfo.processInfo.environment) async throws -> ModuleRegistry {
        var registry = ModuleRegistry()
        for name in names {
            switch name {
            case Multi2VecCLIPModule.moduleName:
                registry.register(Multi2VecCLIPModule(inference: try await clipInference(dataPath: dataPath, logger: logger, env: env)))
            default:
                throw ConfigurationError("ENABLE_MODULES: no module with name \"\(name)\" is available in this build")
            }
            logger.info("module enabled", metadata: ["module": "\(name)"])
        }
        return registry
    }

    /// CLIP_INFERENCE_API set: a remote inference service, awaited for up to 120 s as Weaviate does.
    /// Unset: CLIP in-process from CLIP_MODEL_DIR / TEXT_MODEL_DIR, or from the models `iris model pull`
    /// put under <data>/models (IRIS_CLIP_MODEL / IRIS_TEXT_MODEL name them, hub style).
    static func clipInference(dataPath: String, logger: Logger, env: [String: String]) async throws -> any CLIPInference {
        if let api = env["CLIP_INFERENCE_API"], !api.isEmpty {
            guard let url = URL(string: api), url.scheme == "http" || url.scheme == "https" else {
                throw ConfigurationError("CLIP_INFERENCE_API: \"\(api)\" is not an http(s) URL")
            }
            let remote = RemoteCLIPInference(baseURL: url)
            logger.info("waiting for the CLIP inference service", metadata: ["url": "\(api)"])
            do { try await remote.waitUntilReady() } catch {
                throw ConfigurationError("CLIP_INFERENCE_API: modules didn't initialize: \(error)")
            }
            return remote
        }
        let models = URL(fileURLWithPath: dataPath).appendingPathComponent("models")
        func pulled(_ variable: String, default hubName: String?) -> String? {
            guard let hubName = env[variable] ?? hubName else { return nil }
            let path = models.appendingPathComponent(hubName).path
            return FileManager.default.fileExists(atPath: path) ? path : nil
        }
        let local = try CLIPModelEnvironment.read(env)
        guard let clip = local.clipModelDir ?? pulled("IRIS_CLIP_MODEL", default: "sentence-transformers/clip-ViT-B-32") else {
            throw ConfigurationError(
                "multi2vec-clip: no CLIP model: set CLIP_MODEL_DIR, run `iris model pull sentence-transformers/clip-ViT-B-32`, "
                    + "or set CLIP_INFERENCE_API to use an inference service")
        }
        let text = local.textModelDir ?? pulled("IRIS_TEXT_MODEL", default: nil)
        let started = ContinuousClock.now
        do {
            let embedder = try CLIPEmbedder(clipModel: URL(fileURLWithPath: clip), textModel: text.map { URL(fileURLWithPath: $0) },
                                            settings: ComputeSettings(threads: local.threads), precision: local.precision)
            logger.info("CLIP models loaded in-process", metadata: [
                "clip_model": "\(clip)", "text_model": "\(text ?? clip)", "dimension": "\(embedder.dimension)",
                "precision": "\(embedder.precision.rawValue)",
                "took": "\(ContinuousClock.now - started)",
            ])
            return try EmbeddedCLIPInference(embedder: embedder)
        } catch {
            throw ConfigurationError("CLIP_MODEL_DIR: cannot load the CLIP model: \(error)")
        }
    }
}
