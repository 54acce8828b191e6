import Foundation

/// The parts of a Hugging Face `tokenizer.json` that the tokenizers here read. The model section is typed
/// (its vocabulary is large); the pipeline sections stay as JSON and are interpreted by each tokenizer.
struct TokenizerFile: Decodable {
    struct AddedTokenEntry: Decodable {
        let id: Int
        let content: String
        let single_word: Bool?
        let lstrip: Bool?
        let rstrip: Bool?
        let normalized: Bool?
        let special: Bool?
    }

    /// A BPE merge, stored either as "a b" (tokenizers <= 0.19) or as ["a", "b"] (tokenizers >= 0.20).
    struct Merge: Decodable {
        let left: String
        let right: String

        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let pair = try? c.decode([String].self) {
                guard pair.count == 2 else {
                    throw DecodingError.dataCorruptedError(in: c, debugDescription: "merge pair must have 2 parts, got \(pair.count)")
                }
                left = pair[0]; right = pair[1]
                return
            }
            let s = try c.decode(String.self)
            guard let space = s.firstIndex(of: " ") else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "merge \"\(s)\" has no space")
            }
            left = String(s[..<space])
            right = String(s[s.index(after: space)...])
        }
    }

    struct Model: Decodable {
        let type: String?
        let vocab: [String: Int]
        let merges: [Merge]?
        let unk_token: String?
        let continuing_subword_prefix: String?
        let end_of_word_suffix: String?
        let max_input_chars_per_word: Int?
        let ignore_merges: Bool?
        let byte_fallback: Bool?
        let dropout: Double?
    }

    let added_tokens: [AddedTokenEntry]?
    let normalizer: JSONValue?
    let pre_tokenizer: JSONValue?
    let post_processor: JSONValue?
    let model: Model

    static func read(_ url: URL) throws -> TokenizerFile {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TokenizerError.unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        do { return try JSONDecoder().decode(TokenizerFile.self, from: data) } catch {
            throw TokenizerError.unreadableFile(path: url.path, reason: "not a tokenizer.json (\(error))")
        }
    }

    /// The added tokens as matcher entries.
    var addedTokens: [AddedToken] {
        (added_tokens ?? []).map {
            AddedToken(content: $0.content, id: Int32($0.id), normalized: $0.normalized ?? !($0.special ?? false),
                       lstrip: $0.lstrip ?? false, rstrip: $0.rstrip ?? false, singleWord: $0.single_word ?? false)
        }
    }
}

/// Special tokens put around the content by the post-processor ([CLS] ... [SEP], <|startoftext|> ... <|endoftext|>).
struct SpecialTokenFrame: Equatable {
    var prefix: [Int32]
    var suffix: [Int32]

    /// Reads RobertaProcessing, BertProcessing or TemplateProcessing (single sequence); nil when there is
    /// no post-processor.
    static func parse(_ value: JSONValue?, path: String, vocab: (String) -> Int32?) throws -> SpecialTokenFrame? {
        guard let value, !value.isNull else { return nil }
        let type = value["type"]?.string ?? ""
        func idOf(_ entry: JSONValue?) throws -> Int32 {
            // ["<|endoftext|>", 49407]
            if let a = entry?.array, a.count == 2, let id = a[1].int { return Int32(id) }
            throw TokenizerError.unsupported(path: path, what: "\(type) token entry \(String(describing: entry))")
        }
        switch type {
        case "RobertaProcessing", "BertProcessing":
            return SpecialTokenFrame(prefix: [try idOf(value["cls"])], suffix: [try idOf(value["sep"])])
        case "TemplateProcessing":
            guard let single = value["single"]?.array else {
                throw TokenizerError.unsupported(path: path, what: "TemplateProcessing without 'single'")
            }
            var frame = SpecialTokenFrame(prefix: [], suffix: [])
            var seenSequence = false
            for piece in single {
                if piece["Sequence"] != nil { seenSequence = true; continue }
                guard let name = piece["SpecialToken"]?["id"]?.string else {
                    throw TokenizerError.unsupported(path: path, what: "TemplateProcessing piece \(piece)")
                }
                var ids: [Int32] = []
                if let listed = value["special_tokens"]?[name]?["ids"]?.array {
                    ids = listed.compactMap { $0.int.map(Int32.init) }
                } else if let id = vocab(name) {
                    ids = [id]
                } else {
                    throw TokenizerError.missing(path: path, what: "special token \(name)")
                }
                if seenSequence { frame.suffix += ids } else { frame.prefix += ids }
            }
            return frame
        case "Sequence":
            // tokenizers >= 0.14 may wrap the processor (e.g. [ByteLevel, TemplateProcessing]).
            var found: SpecialTokenFrame?
            for p in value["processors"]?.array ?? [] {
                if let f = try parse(p, path: path, vocab: vocab) { found = f }
            }
            return found
        case "ByteLevel":
            return nil
        default:
            throw TokenizerError.unsupported(path: path, what: "post_processor type \(type)")
        }
    }
}
