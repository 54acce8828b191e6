import Foundation
import JSON

/// BERT / DistilBERT WordPiece tokenizer, reproducing the Hugging Face fast tokenizer that
/// sentence-transformers uses:
///
/// 1. added tokens (`[CLS]`, `[SEP]`, `[MASK]`, ... with `normalized: false`) are found in the raw text;
/// 2. ``BertNormalizer`` (clean text, CJK spacing, accent stripping, lower-casing — as configured);
/// 3. split on whitespace and punctuation; greedy longest-match WordPiece with `##` continuations;
/// 4. `[CLS]` ... `[SEP]`; with truncation the content is cut to `maxLength - 2` ids so `[SEP]` stays.
///
/// Settings come from tokenizer.json when present, else from vocab.txt + tokenizer_config.json.
/// `maxLength` is sentence_bert_config.json's max_seq_length (e.g. 128 or 256) unless given.
///
/// @unchecked Sendable: every stored property is a `let` set in init; its parts are immutable too but not declared Sendable.
public final class WordPieceTokenizer: TextTokenizer, @unchecked Sendable {
    public let maxLength: Int
    public let clsTokenId: Int32
    public let sepTokenId: Int32
    public let padTokenId: Int32
    public let unkTokenId: Int32
    public var vocabularySize: Int { model.idToToken.count }

    private let model: WordPieceModel
    private let normalizer: BertNormalizer
    private let rawMatcher: AddedTokenMatcher
    private let normalizedMatcher: AddedTokenMatcher
    private let frame: SpecialTokenFrame
    private let addedTokenNames: [Int32: String]
    /// sentence-transformers' own `do_lower_case` (sentence_bert_config.json): lower-cases before tokenizing.
    private let preLowercase: Bool

    /// Loads from a model folder: tokenizer.json if present, else vocab.txt + tokenizer_config.json; reads
    /// sentence_bert_config.json for max_seq_length and do_lower_case.
    /// - Parameter maxLength: overrides max_seq_length.
    public convenience init(directory: URL, maxLength: Int? = nil) throws {
        try self.init(directory: directory, maxLength: maxLength, parsed: nil)
    }

    /// `parsed`: the folder's tokenizer.json when the caller (``TokenizerLoader``) has already read it.
    convenience init(directory: URL, maxLength: Int?, parsed: TokenizerFile?) throws {
        let fm = FileManager.default
        let json = directory.appendingPathComponent("tokenizer.json")
        let vocabTxt = directory.appendingPathComponent("vocab.txt")
        let config = try JSONValue.readIfPresent(directory.appendingPathComponent("tokenizer_config.json"))
        let stConfig = try JSONValue.readIfPresent(directory.appendingPathComponent("sentence_bert_config.json"))
        let resolvedMax = maxLength ?? stConfig?["max_seq_length"]?.int ?? Self.modelMaxLength(config)
        let preLowercase = stConfig?["do_lower_case"]?.bool ?? false
        if let parsed {
            try self.init(file: parsed, path: json.path, tokenizerConfig: config, maxLength: resolvedMax,
                          lowercaseFirst: preLowercase)
        } else if fm.fileExists(atPath: json.path) {
            try self.init(tokenizerJSON: json, tokenizerConfig: config, maxLength: resolvedMax, lowercaseFirst: preLowercase)
        } else if fm.fileExists(atPath: vocabTxt.path) {
            try self.init(vocabTxt: vocabTxt, tokenizerConfig: config, maxLength: resolvedMax, lowercaseFirst: preLowercase)
        } else {
            throw TokenizerError.noTokenizerFiles(directory: directory.path)
        }
    }

    /// Loads a WordPiece tokenizer.json.
    public convenience init(tokenizerJSON url: URL, maxLength: Int = 512, lowercaseFirst: Bool = false) throws {
        try self.init(tokenizerJSON: url, tokenizerConfig: nil, maxLength: maxLength, lowercaseFirst: lowercaseFirst)
    }

    /// Loads vocab.txt (one token per line, id = line number) with the settings of a tokenizer_config.json.
    public convenience init(vocabTxt url: URL, tokenizerConfig configURL: URL?, maxLength: Int = 512,
                            lowercaseFirst: Bool = false) throws {
        let config = try configURL.flatMap { try JSONValue.readIfPresent($0) }
        try self.init(vocabTxt: url, tokenizerConfig: config, maxLength: maxLength, lowercaseFirst: lowercaseFirst)
    }

    private convenience init(tokenizerJSON url: URL, tokenizerConfig config: JSONValue?, maxLength: Int,
                             lowercaseFirst: Bool) throws {
        try self.init(file: TokenizerFile.read(url), path: url.path, tokenizerConfig: config, maxLength: maxLength,
                      lowercaseFirst: lowercaseFirst)
    }

    private convenience init(file: TokenizerFile, path: String, tokenizerConfig config: JSONValue?, maxLength: Int,
                             lowercaseFirst: Bool) throws {
        if let type = file.model.type, type != "WordPiece" {
            throw TokenizerError.unsupported(path: path, what: "model type \(type) (WordPieceTokenizer needs WordPiece)")
        }
        if let pre = file.pre_tokenizer, !pre.isNull, pre["type"]?.string != "BertPreTokenizer" {
            throw TokenizerError.unsupported(path: path, what: "pre_tokenizer \(pre) (needs BertPreTokenizer)")
        }
        let model = try WordPieceModel(vocab: file.model.vocab, unkToken: file.model.unk_token ?? "[UNK]",
                                       prefix: file.model.continuing_subword_prefix ?? "##",
                                       maxInputCharsPerWord: file.model.max_input_chars_per_word ?? 100, path: path)
        let normalizer = try BertNormalizer(json: file.normalizer, path: path)
        let frame = try SpecialTokenFrame.parse(file.post_processor, path: path, vocab: { model.id(of: $0) })
            ?? SpecialTokenFrame(prefix: [], suffix: [])
        let added = file.addedTokens
        let pad = ConfigToken(config?["pad_token"]).flatMap { name in
            added.first { $0.content == name.content }?.id ?? model.id(of: name.content)
        }
        try self.init(model: model, normalizer: normalizer, added: added, frame: frame, padTokenId: pad,
                      maxLength: maxLength, lowercaseFirst: lowercaseFirst, path: path)
    }

    private convenience init(vocabTxt url: URL, tokenizerConfig config: JSONValue?, maxLength: Int,
                             lowercaseFirst: Bool) throws {
        let path = url.path
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw TokenizerError.unreadableFile(path: path, reason: error.localizedDescription)
        }
        var vocab: [String: Int] = [:]
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        for (i, line) in lines.enumerated() {
            let token = line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
            vocab[token] = i     // a repeated line keeps its last position, as in the tokenizers library
        }
        func name(_ key: String, _ fallback: String) -> String { ConfigToken(config?[key])?.content ?? fallback }
        let unk = name("unk_token", "[UNK]"), cls = name("cls_token", "[CLS]"), sep = name("sep_token", "[SEP]")
        let pad = name("pad_token", "[PAD]"), mask = name("mask_token", "[MASK]")
        let model = try WordPieceModel(vocab: vocab, unkToken: unk, prefix: "##", maxInputCharsPerWord: 100, path: path)
        guard let clsId = model.id(of: cls), let sepId = model.id(of: sep) else {
            throw TokenizerError.missing(path: path, what: "\(cls) / \(sep)")
        }
        // Special tokens are matched in the raw text, as the converted fast tokenizer does.
        var added: [AddedToken] = []
        for t in [pad, unk, cls, sep, mask] where !added.contains(where: { $0.content == t }) {
            if let id = model.id(of: t) { added.append(AddedToken(content: t, id: id, normalized: false)) }
        }
        try self.init(model: model, normalizer: BertNormalizer(config: config), added: added,
                      frame: SpecialTokenFrame(prefix: [clsId], suffix: [sepId]), padTokenId: model.id(of: pad),
                      maxLength: maxLength, lowercaseFirst: lowercaseFirst, path: path)
    }

    private init(model: WordPieceModel, normalizer: BertNormalizer, added: [AddedToken], frame: SpecialTokenFrame,
                 padTokenId: Int32?, maxLength: Int, lowercaseFirst: Bool, path: String) throws {
        guard maxLength >= frame.prefix.count + frame.suffix.count else {
            throw TokenizerError.unsupported(path: path, what: "maxLength \(maxLength) leaves no room for content")
        }
        self.model = model
        self.normalizer = normalizer
        self.frame = frame
        self.maxLength = maxLength
        self.preLowercase = lowercaseFirst
        rawMatcher = AddedTokenMatcher(added.filter { !$0.normalized })
        normalizedMatcher = AddedTokenMatcher(added.filter { $0.normalized }, transform: normalizer.apply)
        addedTokenNames = Dictionary(added.map { ($0.id, $0.content) }, uniquingKeysWith: { a, _ in a })
        clsTokenId = frame.prefix.first ?? model.id(of: "[CLS]") ?? -1
        sepTokenId = frame.suffix.last ?? model.id(of: "[SEP]") ?? -1
        unkTokenId = model.unkId
        self.padTokenId = padTokenId ?? model.id(of: "[PAD]") ?? 0
    }

    /// The same tokenizer (sharing its tables) with another `maxLength`.
    public func withMaxLength(_ maxLength: Int) throws -> WordPieceTokenizer {
        try WordPieceTokenizer(copying: self, maxLength: maxLength)
    }

    private init(copying other: WordPieceTokenizer, maxLength: Int) throws {
        guard maxLength >= other.frame.prefix.count + other.frame.suffix.count else {
            throw TokenizerError.unsupported(path: "(in memory)", what: "maxLength \(maxLength) leaves no room for content")
        }
        model = other.model
        normalizer = other.normalizer
        rawMatcher = other.rawMatcher
        normalizedMatcher = other.normalizedMatcher
        frame = other.frame
        addedTokenNames = other.addedTokenNames
        preLowercase = other.preLowercase
        clsTokenId = other.clsTokenId
        sepTokenId = other.sepTokenId
        unkTokenId = other.unkTokenId
        padTokenId = other.padTokenId
        self.maxLength = maxLength
    }

    // MARK: Encoding

    /// Ids with `[CLS]`/`[SEP]`; with `truncate` at most `maxLength` ids, `[SEP]` kept.
    public func encode(_ text: String, truncate: Bool) -> [Int32] {
        // With truncation, tokenizing stops once the kept ids are known (long texts cost little).
        let limit = truncate ? maxLength - frame.prefix.count - frame.suffix.count : Int.max
        var content = contentIds(text, limit: limit)
        if content.count > limit { content.removeSubrange(limit...) }
        return frame.prefix + content + frame.suffix
    }

    /// The token strings (e.g. `[CLS]`, `play`, `##ing`) of `encode(text, truncate: false)`.
    public func tokens(_ text: String) -> [String] {
        encode(text, truncate: false).map { id in
            addedTokenNames[id] ?? (Int(id) < model.idToToken.count ? model.idToToken[Int(id)] : "<\(id)>")
        }
    }

    /// The vocabulary id of a token string, if any.
    public func id(of token: String) -> Int32? { model.id(of: token) }

    /// Content ids (no special tokens); stops adding pre-tokens once `limit` ids exist.
    private func contentIds(_ text: String, limit: Int) -> [Int32] {
        var ids: [Int32] = []
        var scratch = WordPieceModel.Scratch()
        var scalars = Array(text.unicodeScalars)
        if preLowercase { scalars = UnicodeClass.lowercased(scalars) }
        rawMatcher.split(scalars) { segment in
            switch segment {
            case .token(let id):
                ids.append(id)
            case .text(let raw):
                normalizedMatcher.split(normalizer.apply(raw)) { inner in
                    switch inner {
                    case .token(let id):
                        ids.append(id)
                    case .text(let s):
                        BertPreTokenizer.forEachWord(s) { range in
                            guard ids.count < limit else { return }
                            model.encode(word: s[range], into: &ids, scratch: &scratch)
                        }
                    }
                }
            }
        }
        return ids
    }

    /// tokenizer_config's model_max_length when it is a real limit; BERT's 512 otherwise.
    private static func modelMaxLength(_ config: JSONValue?) -> Int {
        if let n = config?["model_max_length"]?.int, n > 0, n < 1_000_000 { return n }
        return 512
    }
}
