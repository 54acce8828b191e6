import Foundation

/// Every failure while loading a tokenizer is reported with the file and what was wrong with it.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    /// No tokenizer files were found in a folder.
    case noTokenizerFiles(directory: String)
    /// A file could not be read or parsed.
    case unreadableFile(path: String, reason: String)
    /// A file parsed but says something this implementation does not support.
    case unsupported(path: String, what: String)
    /// A required entry (token, field) is missing.
    case missing(path: String, what: String)

    public var description: String {
        switch self {
        case .noTokenizerFiles(let dir):
            return "no tokenizer files in \(dir) (expected tokenizer.json, vocab.json + merges.txt, or vocab.txt)"
        case .unreadableFile(let path, let reason):
            return "cannot read tokenizer file \(path): \(reason)"
        case .unsupported(let path, let what):
            return "unsupported tokenizer setting in \(path): \(what)"
        case .missing(let path, let what):
            return "tokenizer file \(path) is missing \(what)"
        }
    }
}

extension TokenizerError: LocalizedError {
    public var errorDescription: String? { description }
}
