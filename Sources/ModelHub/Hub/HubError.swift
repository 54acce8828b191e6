import Foundation

/// Everything that can go wrong talking to the hub or writing a model folder, each with a message a
/// user can act on (the CLI prints `description` and exits non-zero).
public enum HubError: Error, CustomStringConvertible, Equatable {
    case invalidRepoID(String)
    case invalidEndpoint(String)
    case repositoryNotFound(repo: String, endpoint: String, status: Int)
    case revisionNotFound(repo: String, revision: String)
    case fileNotFound(repo: String, path: String, revision: String)
    case accessDenied(url: String, status: Int, message: String)
    case httpStatus(url: String, status: Int, message: String)
    case network(url: String, message: String)
    case invalidResponse(url: String, message: String)
    case unsafePath(String)
    case sizeMismatch(path: String, expected: Int64, actual: Int64)
    case hashMismatch(path: String, expected: String, actual: String)
    case noModelFiles(repo: String)
    case io(path: String, message: String)

    public var description: String {
        switch self {
        case .invalidRepoID(let s):
            return "invalid model id '\(s)': expected ORG/NAME, e.g. sentence-transformers/clip-ViT-B-32"
        case .invalidEndpoint(let s):
            return "invalid hub endpoint '\(s)' (check HF_ENDPOINT): expected an http(s) URL"
        case .repositoryNotFound(let repo, let endpoint, let status):
            return "model repository '\(repo)' was not found on \(endpoint) (HTTP \(status)); "
                + "check the name, or set HF_TOKEN if it is private or gated"
        case .revisionNotFound(let repo, let revision):
            return "revision '\(revision)' does not exist in '\(repo)'"
        case .fileNotFound(let repo, let path, let revision):
            return "file '\(path)' is listed for '\(repo)' at '\(revision)' but the hub answered 404 when downloading it"
        case .accessDenied(let url, let status, let message):
            return "access denied by the hub for \(url) (HTTP \(status)): \(message); set HF_TOKEN to a token with access"
        case .httpStatus(let url, let status, let message):
            return "the hub answered HTTP \(status) for \(url)" + (message.isEmpty ? "" : ": \(message)")
        case .network(let url, let message):
            return "network error talking to \(url): \(message)"
        case .invalidResponse(let url, let message):
            return "unexpected answer from \(url): \(message)"
        case .unsafePath(let p):
            return "refusing file path '\(p)' from the hub: it would land outside the model folder"
        case .sizeMismatch(let path, let expected, let actual):
            return "size mismatch for \(path): expected \(expected) bytes, got \(actual)"
        case .hashMismatch(let path, let expected, let actual):
            return "sha256 mismatch for \(path): the hub reports \(expected), the downloaded bytes hash to \(actual); "
                + "the partial file was removed, run the pull again"
        case .noModelFiles(let repo):
            return "'\(repo)' has no files a SentenceTransformers/CLIP model needs (no config.json or modules.json)"
        case .io(let path, let message):
            return "\(path): \(message)"
        }
    }
}

extension HubError: LocalizedError {
    public var errorDescription: String? { description }
}
