import CLIPEngine
import Foundation
import RESTAPI

/// CLIP_MODEL_DIR, TEXT_MODEL_DIR, IRIS_CLIP_THREADS and IRIS_CLIP_PRECISION, read and validated in one place for
/// `iris serve` (multi2vec-clip in-process), `iris inference` and `iris embed`, so all three accept
/// the same values and reject bad ones with the same message. An empty variable counts as unset, as
/// in the rest of serve's environment.
struct CLIPModelEnvironment: Equatable {
    /// CLIP_MODEL_DIR: the CLIP model folder (image and, without a text model, text tower).
    var clipModelDir: String?
    /// TEXT_MODEL_DIR: a separate text model folder (e.g. clip-ViT-B-32-multilingual-v1).
    var textModelDir: String?
    /// IRIS_CLIP_THREADS: threads for model work; nil means all cores.
    var threads: Int?
    /// IRIS_CLIP_PRECISION: fp32 (default) or int8 Linear layers.
    var precision: Precision = .fp32

    /// Throws `ConfigurationError` naming the variable for a bad value (the callers exit 78, EX_CONFIG).
    static func read(_ env: [String: String]) throws -> CLIPModelEnvironment {
        let reader = EnvReader(env: env)
        var precision = Precision.fp32
        if let raw = reader.string("IRIS_CLIP_PRECISION") {
            guard let p = Precision(rawValue: raw.lowercased()) else {
                throw ConfigurationError("IRIS_CLIP_PRECISION: \"\(raw)\" is not one of fp32, int8")
            }
            precision = p
        }
        return CLIPModelEnvironment(
            clipModelDir: reader.string("CLIP_MODEL_DIR"),
            textModelDir: reader.string("TEXT_MODEL_DIR"),
            threads: try reader.optionalInt("IRIS_CLIP_THREADS", minimum: 1),
            precision: precision
        )
    }
}
