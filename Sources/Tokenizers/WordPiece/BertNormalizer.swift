import JSON
/// BERT's normaliser as the tokenizers library's BertNormalizer runs it (the fast tokenizer that
/// sentence-transformers uses), in this order:
/// 1. clean text: drop U+0000, U+FFFD and control characters (Cc/Cf/Cn/Co except tab/LF/CR), whitespace -> " ";
/// 2. put spaces around CJK ideographs;
/// 3. strip accents: NFD, then drop nonspacing marks (Mn) — by default whenever lower-casing is on;
/// 4. lower-case, character by character.
struct BertNormalizer: Equatable {
    var cleanText = true
    var handleChineseChars = true
    var stripAccents = true
    var lowercase = true

    /// From tokenizer.json's `{"type": "BertNormalizer", ...}`.
    init(json: JSONValue?, path: String) throws {
        guard let json, json["type"]?.string == "BertNormalizer" else {
            throw TokenizerError.unsupported(path: path, what: "normalizer \(String(describing: json)) (WordPiece needs BertNormalizer)")
        }
        cleanText = json["clean_text"]?.bool ?? true
        handleChineseChars = json["handle_chinese_chars"]?.bool ?? true
        lowercase = json["lowercase"]?.bool ?? true
        stripAccents = json["strip_accents"]?.bool ?? lowercase
    }

    /// From tokenizer_config.json (what transformers' BertConverter builds): do_lower_case (default true),
    /// strip_accents (null = follow do_lower_case), tokenize_chinese_chars (default true).
    init(config: JSONValue?) {
        lowercase = config?["do_lower_case"]?.bool ?? true
        stripAccents = config?["strip_accents"]?.bool ?? lowercase
        handleChineseChars = config?["tokenize_chinese_chars"]?.bool ?? true
        cleanText = true
    }

    func apply(_ input: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var s: [Unicode.Scalar] = []
        s.reserveCapacity(input.count + 8)
        for c in input {
            if cleanText {
                if c.value == 0 || c.value == 0xFFFD || UnicodeClass.isBertControl(c) { continue }
                if UnicodeClass.isBertWhitespace(c) { s.append(" "); continue }
            }
            if handleChineseChars && UnicodeClass.isCJKIdeograph(c) {
                s.append(" "); s.append(c); s.append(" ")
                continue
            }
            s.append(c)
        }
        if stripAccents {
            s = UnicodeClass.nfd(s)
            s.removeAll(where: UnicodeClass.isNonspacingMark)
        }
        if lowercase { s = UnicodeClass.lowercased(s) }
        return s
    }
}

/// BERT's pre-tokenizer: split on whitespace and make every punctuation character its own word.
enum BertPreTokenizer {
    @inline(__always)
    static func forEachWord(_ s: [Unicode.Scalar], _ body: (Range<Int>) -> Void) {
        var start = -1
        for i in 0..<s.count {
            let c = s[i]
            if UnicodeClass.isWhitespace(c) {
                if start >= 0 { body(start..<i); start = -1 }
            } else if UnicodeClass.isBertPunctuation(c) {
                if start >= 0 { body(start..<i); start = -1 }
                body(i..<(i + 1))
            } else if start < 0 {
                start = i
            }
        }
        if start >= 0 { body(start..<s.count) }
    }
}
