import ArgumentParser
import CLIPEngine
import Foundation

/// Where the CLIP models come from, shared by `iris inference` and `iris embed`: flags, then the
/// container's environment variables, then the container's fixed folders /app/models/{clip,text}.
struct CLIPModelOptions: ParsableArguments {
    @Option(name: .customLong("clip-model"), help: "CLIP model folder (SentenceTransformers or Hugging Face layout). Env: CLIP_MODEL_DIR.")
    var clipModel: String?

    @Option(name: .customLong("text-model"), help: "Separate text model folder, e.g. clip-ViT-B-32-multilingual-v1. Env: TEXT_MODEL_DIR.")
    var textModel: String?

    @Option(help: "Threads for model work (default: all cores). Env: IRIS_CLIP_THREADS.")
    var threads: Int?

    /// Resolves the folders and loads the models once.
    func loadEmbedder(environment env: [String: String] = ProcessInfo.processInfo.environment) throws -> CLIPEmbedder {
        let fm = FileManager.default
        func existing(_ path: String) -> String? { fm.fileExists(atPath: path) ? path : nil }
        guard let clip = clipModel ?? env["CLIP_MODEL_DIR"] ?? existing("/app/models/clip") else {
            throw ValidationError("no CLIP model: pass --clip-model DIR or set CLIP_MODEL_DIR (or mount /app/models/clip)")
        }
        let text = textModel ?? env["TEXT_MODEL_DIR"] ?? existing("/app/models/text").flatMap { $0 == clip ? nil : $0 }
        let threadCount = try threads ?? env["IRIS_CLIP_THREADS"].map { value in
            guard let n = Int(value), n > 0 else { throw ValidationError("IRIS_CLIP_THREADS must be a positive integer, got '\(value)'") }
            return n
        }
        return try CLIPEmbedder(
            clipModel: URL(fileURLWithPath: clip),
            textModel: text.map { URL(fileURLWithPath: $0) },
            settings: ComputeSettings(threads: threadCount)
        )
    }
}
