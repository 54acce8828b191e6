import Foundation
import JSON

/// The parts of a Hugging Face `tokenizer.json` that the tokenizers here read. The model section is typed
/// (its vocabulary is large); the pipeline sections stay as JSON and are interpreted by each tokenizer.
struct TokenizerFile {
    struct AddedTokenEntry {
        let id: Int
        let content: String
        let single_word: Bool?
        let lstrip: Bool?
        let rstrip: Bool?
        let normalized: Bool?
        let special: Bool?
    }

    /// A BPE merge, stored either as "a b" (tokenizers <= 0.19) or as ["a", "b"] (tokenizers >= 0.20).
    struct Merge {
        let left: String
        let right: String
    }

    struct Model {
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
        let root = try JSONValue.read(url)
        do { return try TokenizerFile(root) } catch let problem as FormatProblem {
            throw TokenizerError.unreadableFile(path: url.path, reason: "not a tokenizer.json (\(problem))")
        }
    }

    /// Throws ``FormatProblem`` (wrapped with the path by `read`).
    private init(_ root: JSONValue) throws {
        guard let m = root["model"], m.object != nil else { throw FormatProblem("no model section") }
        guard let vocabObject = m["vocab"]?.object else { throw FormatProblem("model.vocab is not an object") }
        var vocab: [String: Int] = [:]
        vocab.reserveCapacity(vocabObject.count)
        for (token, id) in vocabObject {
            guard let n = id.int else { throw FormatProblem("vocabulary id of \(token) is not an integer") }
            vocab[token] = n
        }
        var merges: [Merge]?
        if let list = m["merges"]?.array {
            var out: [Merge] = []
            out.reserveCapacity(list.count)
            for entry in list {
                if let pair = entry.array {
                    guard pair.count == 2, let a = pair[0].string, let b = pair[1].string else {
                        throw FormatProblem("merge \(entry) is not a pair of strings")
                    }
                    out.append(Merge(left: a, right: b))
                } else if let text = entry.string {
                    guard let space = text.firstIndex(of: " ") else { throw FormatProblem("merge \"\(text)\" has no space") }
                    out.append(Merge(left: String(text[..<space]), right: String(text[text.index(after: space)...])))
                } else {
                    throw FormatProblem("merge \(entry) is neither \"a b\" nor [a, b]")
                }
            }
            merges = out
        }
        model = Model(type: m["type"]?.string, vocab: vocab, merges: merges, unk_token: m["unk_token"]?.string,
                      continuing_subword_prefix: m["continuing_subword_prefix"]?.string,
                      end_of_word_suffix: m["end_of_word_suffix"]?.string,
                      max_input_chars_per_word: m["max_input_chars_per_word"]?.int,
                      ignore_merges: m["ignore_merges"]?.bool, byte_fallback: m["byte_fallback"]?.bool,
                      dropout: m["dropout"]?.doubleValue)
        var added: [AddedTokenEntry] = []
        for t in root["added_tokens"]?.array ?? [] {
            guard let id = t["id"]?.int, let content = t["content"]?.string else {
                throw FormatProblem("added token \(t) has no id/content")
            }
            added.append(AddedTokenEntry(id: id, content: content, single_word: t["single_word"]?.bool,
                                         lstrip: t["lstrip"]?.bool, rstrip: t["rstrip"]?.bool,
                                         normalized: t["normalized"]?.bool, special: t["special"]?.bool))
        }
        added_tokens = added
        normalizer = root["normalizer"]
        pre_tokenizer = root["pre_tokenizer"]
        post_processor = root["post_processor"]
    }

    /// The added tokens as matcher entries.
    var addedTokens: [AddedToken] {
        (added_tokens ?? []).map {
            AddedToken(content: $0.content, id: Int32($0.id), normalized: $0.normalized ?? !($0.special ?? false),
                       lstrip: $0.lstrip ?? false, rstrip: $0.rstrip ?? false, singleWord: $0.single_word ?? false)
        }
    }
}

/// A problem in a tokenizer file's structure (wrapped into ``TokenizerError`` with the path).
struct FormatProblem: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
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
