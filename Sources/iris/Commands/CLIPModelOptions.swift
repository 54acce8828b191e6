import ArgumentParser
import CLIPEngine
import Foundation
import RESTAPI

/// Where the CLIP models come from, shared by `iris inference` and `iris embed`: flags, then the
/// container's environment variables (read by `CLIPModelEnvironment`, as `iris serve` does), then the
/// container's fixed folders /app/models/{clip,text}.
struct CLIPModelOptions: ParsableArguments {
    @Option(name: .customLong("clip-model"), help: "CLIP model folder (SentenceTransformers or Hugging Face layout). Env: CLIP_MODEL_DIR.")
    var clipModel: String?

    @Option(name: .customLong("text-model"), help: "Separate text model folder, e.g. clip-ViT-B-32-multilingual-v1. Env: TEXT_MODEL_DIR.")
    var textModel: String?

    @Option(help: "Threads for model work (default: all cores). Env: IRIS_CLIP_THREADS.")
    var threads: Int?

    @Option(help: "fp32, or int8 Linear layers (faster; vectors differ slightly, see the CLIPEngine guide). Env: IRIS_CLIP_PRECISION.")
    var precision: Precision?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    /// Resolves the folders and loads the models once. A bad environment value prints
    /// `iris <command>: invalid configuration: <VARIABLE>: …` and exits 78 (EX_CONFIG), as `iris serve` does.
    func loadEmbedder(command: String, environment env: [String: String] = ProcessInfo.processInfo.environment) throws -> CLIPEmbedder {
        let local: CLIPModelEnvironment
        do {
            local = try CLIPModelEnvironment.read(env)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("iris \(command): invalid configuration: \(error.message)\n".utf8))
            throw ExitCode(78)
        }
        let fm = FileManager.default
        func existing(_ path: String) -> String? { fm.fileExists(atPath: path) ? path : nil }
        guard let clip = clipModel ?? local.clipModelDir ?? existing("/app/models/clip") else {
            throw ValidationError("no CLIP model: pass --clip-model DIR or set CLIP_MODEL_DIR (or mount /app/models/clip)")
        }
        let text = textModel ?? local.textModelDir ?? existing("/app/models/text").flatMap { $0 == clip ? nil : $0 }
        return try CLIPEmbedder(
            clipModel: URL(fileURLWithPath: clip),
            textModel: text.map { URL(fileURLWithPath: $0) },
            settings: ComputeSettings(threads: threads ?? local.threads),
            precision: precision ?? local.precision
        )
    }
}

extension Precision: ExpressibleByArgument {}
