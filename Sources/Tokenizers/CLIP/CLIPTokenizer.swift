import Foundation
import JSON

/// CLIP's byte-level BPE tokenizer, reproducing the Hugging Face *fast* tokenizer (what CLIPProcessor and
/// sentence-transformers use) id for id:
///
/// 1. added tokens whose `normalized` flag is false (`<|endoftext|>` in hub-era files) are found in the raw text;
/// 2. the rest is normalised: NFC, every run of Unicode whitespace -> one space, lower-case;
/// 3. added tokens with `normalized` true (`<|startoftext|>` in hub-era files) are found in the normalised text;
/// 4. the rest is split into pre-tokens (see ``CLIPSplitter``), each pre-token's UTF-8 bytes are BPE-merged with
///    the `</w>` end-of-word suffix;
/// 5. `<|startoftext|>` ... `<|endoftext|>` go around the ids; with truncation the content is cut to
///    `maxLength - 2` ids so the end token is kept (`[49406] + content[:75] + [49407]` for 77).
///
/// Load it from a folder with tokenizer.json (either the hub-era format with `"a b"` merges or the
/// tokenizers >= 0.20 format with `["a", "b"]` merges) or with vocab.json + merges.txt (+ tokenizer_config.json).
/// Instances are immutable apart from an internal locked cache, so one instance can serve many threads.
public final class CLIPTokenizer: TextTokenizer, @unchecked Sendable {
    /// Total ids per text after truncation, special tokens included (tokenizer_config's model_max_length, 77).
    public let maxLength: Int
    public let bosTokenId: Int32
    public let eosTokenId: Int32
    public let padTokenId: Int32
    public var vocabularySize: Int { bpe.idToToken.count }

    private let bpe: BytePairEncoder
    var bytePairEncoder: BytePairEncoder { bpe }
    private let normalizer: CLIPNormalizer
    private let splitter: CLIPSplitter
    private let rawMatcher: AddedTokenMatcher
    private let normalizedMatcher: AddedTokenMatcher
    private let frame: SpecialTokenFrame
    private let addedTokenNames: [Int32: String]

    /// Loads from a folder: tokenizer.json if present (as transformers does), else vocab.json + merges.txt.
    /// - Parameter maxLength: overrides tokenizer_config.json's model_max_length.
    public convenience init(directory: URL, maxLength: Int? = nil) throws {
        try self.init(directory: directory, maxLength: maxLength, parsed: nil)
    }

    /// `parsed`: the folder's tokenizer.json when the caller (``TokenizerLoader``) has already read it.
    convenience init(directory: URL, maxLength: Int?, parsed: TokenizerFile?) throws {
        let json = directory.appendingPathComponent("tokenizer.json")
        let vocab = directory.appendingPathComponent("vocab.json")
        let merges = directory.appendingPathComponent("merges.txt")
        let config = directory.appendingPathComponent("tokenizer_config.json")
        let fm = FileManager.default
        if let parsed {
            try self.init(file: parsed, path: json.path, tokenizerConfig: config, maxLength: maxLength)
        } else if fm.fileExists(atPath: json.path) {
            try self.init(tokenizerJSON: json, tokenizerConfig: config, maxLength: maxLength)
        } else if fm.fileExists(atPath: vocab.path) && fm.fileExists(atPath: merges.path) {
            try self.init(vocabJSON: vocab, merges: merges, tokenizerConfig: config, maxLength: maxLength)
        } else {
            throw TokenizerError.noTokenizerFiles(directory: directory.path)
        }
    }

    /// Loads a tokenizer.json (hub-era or tokenizers >= 0.20 format). `tokenizerConfig` (optional, may not
    /// exist) supplies model_max_length and the pad token.
    public convenience init(tokenizerJSON url: URL, tokenizerConfig: URL? = nil, maxLength: Int? = nil) throws {
        try self.init(file: TokenizerFile.read(url), path: url.path, tokenizerConfig: tokenizerConfig, maxLength: maxLength)
    }

    convenience init(file: TokenizerFile, path: String, tokenizerConfig: URL?, maxLength: Int?) throws {
        if let type = file.model.type, type != "BPE" {
            throw TokenizerError.unsupported(path: path, what: "model type \(type) (CLIPTokenizer needs BPE)")
        }
        guard let merges = file.model.merges else { throw TokenizerError.missing(path: path, what: "model.merges") }
        if let prefix = file.model.continuing_subword_prefix, !prefix.isEmpty {
            throw TokenizerError.unsupported(path: path, what: "continuing_subword_prefix \(prefix)")
        }
        if let dropout = file.model.dropout, dropout > 0 {
            throw TokenizerError.unsupported(path: path, what: "BPE dropout \(dropout)")
        }
        // The pipeline first: an unsupported setting fails before the 49k-entry tables are built.
        let normalizer = try CLIPNormalizer(json: file.normalizer, path: path)
        let splitter = try Self.parsePreTokenizer(file.pre_tokenizer, path: path)
        let bpe = try BytePairEncoder(vocab: file.model.vocab, merges: merges.map { ($0.left, $0.right) },
                                      suffix: file.model.end_of_word_suffix ?? "",
                                      ignoreMerges: file.model.ignore_merges ?? false, path: path)
        let frame = try SpecialTokenFrame.parse(file.post_processor, path: path, vocab: { bpe.vocab[$0] })
            ?? SpecialTokenFrame(prefix: [], suffix: [])
        let config = try tokenizerConfig.flatMap { try JSONValue.readIfPresent($0) }
        let added = file.addedTokens
        let lookup: (String) -> Int32? = { name in added.first { $0.content == name }?.id ?? bpe.vocab[name] }
        let pad = ConfigToken(config?["pad_token"]).flatMap { lookup($0.content) }
        try self.init(bpe: bpe, normalizer: normalizer, splitter: splitter, added: added, frame: frame,
                      padTokenId: pad, maxLength: maxLength ?? Self.modelMaxLength(config), path: path)
    }

    /// Loads vocab.json + merges.txt the way transformers converts the slow CLIPTokenizer to a fast one
    /// (CLIPConverter): the fixed CLIP normaliser and split pattern, the first 48,894 merges (as the slow
    /// tokenizer reads them), bos/eos around the text, the unk token (`<|endoftext|>`) matched in the raw text
    /// and the other special tokens matched after normalisation unless tokenizer_config says `normalized: false`.
    public convenience init(vocabJSON: URL, merges mergesURL: URL, tokenizerConfig: URL? = nil, maxLength: Int? = nil) throws {
        let path = vocabJSON.path
        guard let vocabObject = try JSONValue.read(vocabJSON).object else {
            throw TokenizerError.unreadableFile(path: path, reason: "not a JSON object of token -> id")
        }
        var vocab: [String: Int] = [:]
        vocab.reserveCapacity(vocabObject.count)
        for (token, id) in vocabObject {
            guard let n = id.int else {
                throw TokenizerError.unreadableFile(path: path, reason: "id of \(token) is not an integer")
            }
            vocab[token] = n
        }
        let merges = try Self.readMergesText(mergesURL)
        let bpe = try BytePairEncoder(vocab: vocab, merges: merges, suffix: "</w>", ignoreMerges: false, path: path)
        let config = try tokenizerConfig.flatMap { try JSONValue.readIfPresent($0) }
        let bos = ConfigToken(config?["bos_token"]) ?? ConfigToken(content: "<|startoftext|>")
        let eos = ConfigToken(config?["eos_token"]) ?? ConfigToken(content: "<|endoftext|>")
        let unk = ConfigToken(config?["unk_token"]) ?? ConfigToken(content: "<|endoftext|>")
        let pad = ConfigToken(config?["pad_token"]) ?? eos
        var added: [AddedToken] = []
        for token in [unk, bos, eos, pad] where !added.contains(where: { $0.content == token.content }) {
            guard let id = bpe.vocab[token.content] else {
                throw TokenizerError.missing(path: path, what: "special token \(token.content)")
            }
            // The converter registers the unk token with the tokenizers library first (normalized false);
            // bos/eos/pad come from transformers' AddedToken defaults (normalized true).
            let normalized = token.content == unk.content ? false : (token.normalized ?? true)
            added.append(AddedToken(content: token.content, id: id, normalized: normalized))
        }
        let frame = SpecialTokenFrame(prefix: [bpe.vocab[bos.content]!], suffix: [bpe.vocab[eos.content]!])
        try self.init(bpe: bpe, normalizer: .clipDefault, splitter: CLIPSplitter(), added: added, frame: frame,
                      padTokenId: bpe.vocab[pad.content], maxLength: maxLength ?? Self.modelMaxLength(config),
                      path: path)
    }

    private init(bpe: BytePairEncoder, normalizer: CLIPNormalizer, splitter: CLIPSplitter, added: [AddedToken],
                 frame: SpecialTokenFrame, padTokenId: Int32?, maxLength: Int, path: String) throws {
        guard maxLength >= frame.prefix.count + frame.suffix.count else {
            throw TokenizerError.unsupported(path: path, what: "maxLength \(maxLength) leaves no room for content")
        }
        self.bpe = bpe
        self.normalizer = normalizer
        self.splitter = splitter
        self.frame = frame
        self.maxLength = maxLength
        rawMatcher = AddedTokenMatcher(added.filter { !$0.normalized })
        normalizedMatcher = AddedTokenMatcher(added.filter { $0.normalized }, transform: normalizer.apply)
        addedTokenNames = Dictionary(added.map { ($0.id, $0.content) }, uniquingKeysWith: { a, _ in a })
        bosTokenId = frame.prefix.first ?? bpe.vocab["<|startoftext|>"] ?? -1
        eosTokenId = frame.suffix.last ?? bpe.vocab["<|endoftext|>"] ?? -1
        self.padTokenId = padTokenId ?? eosTokenId
    }

    /// The same tokenizer (sharing its tables and cache) with another `maxLength`.
    public func withMaxLength(_ maxLength: Int) throws -> CLIPTokenizer {
        try CLIPTokenizer(copying: self, maxLength: maxLength)
    }

    private init(copying other: CLIPTokenizer, maxLength: Int) throws {
        guard maxLength >= other.frame.prefix.count + other.frame.suffix.count else {
            throw TokenizerError.unsupported(path: "(in memory)", what: "maxLength \(maxLength) leaves no room for content")
        }
        bpe = other.bpe
        normalizer = other.normalizer
        splitter = other.splitter
        rawMatcher = other.rawMatcher
        normalizedMatcher = other.normalizedMatcher
        frame = other.frame
        addedTokenNames = other.addedTokenNames
        bosTokenId = other.bosTokenId
        eosTokenId = other.eosTokenId
        padTokenId = other.padTokenId
        self.maxLength = maxLength
    }

    // MARK: Encoding

    /// Ids with the start and end tokens; with `truncate` at most `maxLength` ids, the end token kept.
    public func encode(_ text: String, truncate: Bool) -> [Int32] {
        // With truncation, tokenizing stops once the kept ids are known (long texts cost little).
        let limit = truncate ? maxLength - frame.prefix.count - frame.suffix.count : Int.max
        var content = contentIds(text, limit: limit)
        if content.count > limit { content.removeSubrange(limit...) }
        return frame.prefix + content + frame.suffix
    }

    /// The token strings (byte-level spelling, e.g. `photo</w>`) of `encode(text, truncate: false)`.
    public func tokens(_ text: String) -> [String] {
        encode(text, truncate: false).map { id in
            addedTokenNames[id] ?? (Int(id) < bpe.idToToken.count ? bpe.idToToken[Int(id)] : "<\(id)>")
        }
    }

    /// The vocabulary id of a token string (byte-level spelling), if any.
    public func id(of token: String) -> Int32? { bpe.vocab[token] }

    /// Content ids (no special tokens); stops adding pre-tokens once `limit` ids exist.
    private func contentIds(_ text: String, limit: Int) -> [Int32] {
        var ids: [Int32] = []
        var bytes: [UInt8] = []
        rawMatcher.split(Array(text.unicodeScalars)) { segment in
            switch segment {
            case .token(let id):
                ids.append(id)
            case .text(let raw):
                normalizedMatcher.split(normalizer.apply(raw)) { inner in
                    switch inner {
                    case .token(let id):
                        ids.append(id)
                    case .text(let s):
                        splitter.forEachPiece(s) { range in
                            guard ids.count < limit else { return }
                            bytes.removeAll(keepingCapacity: true)
                            for k in range { UnicodeClass.appendUTF8(s[k], to: &bytes) }
                            bpe.encode(word: bytes, into: &ids)
                        }
                    }
                }
            }
        }
        return ids
    }

    // MARK: Loading helpers

    private static func parsePreTokenizer(_ json: JSONValue?, path: String) throws -> CLIPSplitter {
        guard let json, !json.isNull else {
            throw TokenizerError.missing(path: path, what: "pre_tokenizer (CLIP needs Split + ByteLevel)")
        }
        var splitter: CLIPSplitter?
        var byteLevel = false
        func visit(_ p: JSONValue) throws {
            let type = p["type"]?.string ?? ""
            switch type {
            case "Sequence":
                for child in p["pretokenizers"]?.array ?? [] { try visit(child) }
            case "Split":
                guard splitter == nil else { throw TokenizerError.unsupported(path: path, what: "two Split pre-tokenizers") }
                guard let regex = p["pattern"]?["Regex"]?.string,
                      p["behavior"]?.string == "Removed", p["invert"]?.bool == true else {
                    throw TokenizerError.unsupported(path: path, what: "Split pre-tokenizer \(p)")
                }
                splitter = try CLIPSplitter(pattern: regex, path: path)
            case "ByteLevel":
                guard p["add_prefix_space"]?.bool != true else {
                    throw TokenizerError.unsupported(path: path, what: "ByteLevel add_prefix_space true")
                }
                byteLevel = true
            default:
                throw TokenizerError.unsupported(path: path, what: "pre_tokenizer type \(type)")
            }
        }
        try visit(json)
        guard byteLevel else { throw TokenizerError.missing(path: path, what: "a ByteLevel pre-tokenizer") }
        guard let splitter else { throw TokenizerError.missing(path: path, what: "the CLIP Split pre-tokenizer") }
        return splitter
    }

    /// merges.txt: an optional `#version` line, then `a b` per line; like the slow tokenizer (and so the
    /// converter), only the first 49152 - 256 - 2 = 48,894 merges are used.
    static func readMergesText(_ url: URL) throws -> [(String, String)] {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw TokenizerError.unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        var merges: [(String, String)] = []
        var first = true
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            defer { first = false }
            if first && line.hasPrefix("#version") { continue }
            let l = line.hasSuffix("\r") ? line.dropLast() : line
            if l.isEmpty { continue }
            guard let space = l.firstIndex(of: " ") else {
                throw TokenizerError.unreadableFile(path: url.path, reason: "merge line without a space: \(l)")
            }
            merges.append((String(l[..<space]), String(l[l.index(after: space)...])))
            if merges.count == 49152 - 256 - 2 { break }
        }
        return merges
    }

    /// tokenizer_config's model_max_length when it is a real limit; CLIP's 77 otherwise.
    private static func modelMaxLength(_ config: JSONValue?) -> Int {
        if let n = config?["model_max_length"]?.int, n > 0, n < 1_000_000 { return n }
        return 77
    }
}

private extension ConfigToken {
    init(content: String) {
        self.init(.string(content))!
    }
}
