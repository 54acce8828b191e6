/// A token from tokenizer.json's `added_tokens` (or a special token from tokenizer_config.json).
/// `normalized == false` means it is matched in the raw text; `true` means it is matched after normalisation
/// (e.g. after lower-casing), which is why `<|STARTOFTEXT|>` becomes 49406 with the hub-era CLIP tokenizer.json.
struct AddedToken: Equatable {
    var content: String
    var id: Int32
    var normalized: Bool
    var lstrip = false
    var rstrip = false
    var singleWord = false
}

/// A piece of input after added tokens were found: either plain text for the normaliser/model or a token id.
enum TextSegment {
    case text([Unicode.Scalar])
    case token(Int32)
}

/// Finds added tokens in text, leftmost-longest (what the tokenizers library's Aho-Corasick matcher does),
/// honouring lstrip/rstrip (absorb neighbouring whitespace) and single_word (no word character adjacent).
struct AddedTokenMatcher {
    private struct Entry {
        let scalars: [Unicode.Scalar]
        let id: Int32
        let lstrip: Bool
        let rstrip: Bool
        let singleWord: Bool
    }

    private let entries: [Entry]          // longest first, so the first match at a position is the longest
    /// First scalars of the tokens (a handful): a linear scan beats hashing every input scalar.
    private let firstScalars: [Unicode.Scalar]

    /// - Parameter transform: applied to each token's content first (the normaliser, for normalized tokens).
    init(_ tokens: [AddedToken], transform: ([Unicode.Scalar]) -> [Unicode.Scalar] = { $0 }) {
        var list: [Entry] = []
        for t in tokens {
            let s = transform(Array(t.content.unicodeScalars))
            if s.isEmpty { continue }
            list.append(Entry(scalars: s, id: t.id, lstrip: t.lstrip, rstrip: t.rstrip, singleWord: t.singleWord))
        }
        // Stable: among equal lengths the earlier-declared token wins.
        entries = list.enumerated().sorted { a, b in
            a.element.scalars.count != b.element.scalars.count
                ? a.element.scalars.count > b.element.scalars.count : a.offset < b.offset
        }.map(\.element)
        var firsts: [Unicode.Scalar] = []
        for e in list where !firsts.contains(e.scalars[0]) { firsts.append(e.scalars[0]) }
        firstScalars = firsts
    }

    var isEmpty: Bool { entries.isEmpty }

    /// Splits `text` into plain-text runs and matched tokens, calling `body` in order. Empty text runs are
    /// not reported.
    func split(_ text: [Unicode.Scalar], _ body: (TextSegment) -> Void) {
        if entries.isEmpty {
            if !text.isEmpty { body(.text(text)) }
            return
        }
        let n = text.count
        var textStart = 0
        var i = 0
        while i < n {
            guard firstScalars.contains(text[i]), let entry = longestMatch(text, at: i) else { i += 1; continue }
            var start = i
            var end = i + entry.scalars.count
            if entry.singleWord {
                let before = start > 0 && UnicodeClass.isWordCharacter(text[start - 1])
                let after = end < n && UnicodeClass.isWordCharacter(text[end])
                if before || after { i = end; continue }
            }
            if entry.lstrip {
                while start > textStart && UnicodeClass.isWhitespace(text[start - 1]) { start -= 1 }
            }
            if entry.rstrip {
                while end < n && UnicodeClass.isWhitespace(text[end]) { end += 1 }
            }
            if start > textStart { body(.text(Array(text[textStart..<start]))) }
            body(.token(entry.id))
            textStart = end
            i = end
        }
        if textStart < n { body(.text(Array(text[textStart..<n]))) }
    }

    private func longestMatch(_ text: [Unicode.Scalar], at i: Int) -> Entry? {
        let remaining = text.count - i
        for e in entries where e.scalars.count <= remaining {
            var ok = true
            for k in 0..<e.scalars.count where text[i + k] != e.scalars[k] { ok = false; break }
            if ok { return e }
        }
        return nil
    }
}
