// Stopwords of a class's `invertedIndexConfig.stopwords {preset additions removals}` (Weaviate 1.19
// `adapters/repos/db/inverted/stopwords`). BM25 drops them from `word`-tokenized queries only; they stay
// indexed and count towards property lengths.

public struct StopwordDetector: Sendable, Equatable {
    /// Weaviate's `en` preset.
    public static let english: Set<String> = [
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no",
        "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this",
        "to", "was", "will", "with",
    ]

    public let words: Set<String>

    public init(words: Set<String>) { self.words = words }

    /// The detector of a `stopwords` config object; nil config means the default preset `en`.
    public init(config: JSONValue?) throws {
        let preset = config?["preset"]?.stringValue ?? "en"
        var words: Set<String>
        switch preset {
        case "en": words = StopwordDetector.english
        case "none", "": words = []
        default: throw DatabaseError.unprocessable("stopwords: unknown preset '\(preset)' (use 'en' or 'none')")
        }
        for w in config?["additions"]?.arrayValue ?? [] { if let s = w.stringValue { words.insert(s) } }
        for w in config?["removals"]?.arrayValue ?? [] { if let s = w.stringValue { words.remove(s) } }
        self.words = words
    }

    public func isStopword(_ token: String) -> Bool { words.contains(token) }
}
