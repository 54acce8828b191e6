/// A hand-written scanner equivalent to CLIP's Split pre-tokenizer (behaviour Removed, invert true: only the
/// matches are kept), i.e. the regex
///
///     [literal|...|]'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
///
/// with leftmost-first alternation as in Oniguruma: at each position the literals (tokenizers 0.20+ files
/// start the pattern with `<\|startoftext\|>|<\|endoftext\|>|`) are tried first, then the contractions, a run
/// of letters, a single digit, a run of other non-space characters; whitespace is skipped.
/// The ByteLevel pre-tokenizer that follows in tokenizer.json splits again with the GPT-2 regex. That cannot
/// change the core pieces, but it does split a literal match: `<|startoftext|>` reaching the pre-tokenizer
/// (an upper-case spelling lower-cased by the normaliser) becomes `<|`, `startoftext`, `|>`.
struct CLIPSplitter {
    /// The part of the pattern every supported file shares.
    static let corePattern = "'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+"

    let literals: [[Unicode.Scalar]]

    init(literals: [[Unicode.Scalar]] = []) { self.literals = literals }

    /// Accepts the core pattern optionally preceded by literal alternatives; anything else is an error.
    init(pattern: String, path: String) throws {
        if pattern == Self.corePattern { literals = []; return }
        guard pattern.hasSuffix("|" + Self.corePattern) else {
            throw TokenizerError.unsupported(path: path, what: "Split pattern \(pattern)")
        }
        let prefix = pattern.dropLast(Self.corePattern.count + 1)
        var lits: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        var escaped = false
        for c in prefix.unicodeScalars {
            if escaped { current.append(c); escaped = false; continue }
            switch c {
            case "\\": escaped = true
            case "|": lits.append(current); current = []
            case "(", ")", "[", "]", "{", "}", "*", "+", "?", ".", "^", "$":
                throw TokenizerError.unsupported(path: path, what: "Split pattern \(pattern) (non-literal prefix)")
            default: current.append(c)
            }
        }
        if escaped { throw TokenizerError.unsupported(path: path, what: "Split pattern \(pattern) (dangling escape)") }
        lits.append(current)
        guard !lits.contains(where: \.isEmpty) else {
            throw TokenizerError.unsupported(path: path, what: "Split pattern \(pattern) (empty alternative)")
        }
        literals = lits
    }

    /// Calls `body` with the range of every piece, in order.
    @inline(__always)
    func forEachPiece(_ s: [Unicode.Scalar], _ body: (Range<Int>) -> Void) {
        let n = s.count
        var i = 0
        scan: while i < n {
            let c = s[i]
            for lit in literals where lit[0] == c && i + lit.count <= n {
                var ok = true
                for k in 1..<lit.count where s[i + k] != lit[k] { ok = false; break }
                if ok {
                    Self.forEachGPT2Piece(s, i..<(i + lit.count), body)
                    i += lit.count
                    continue scan
                }
            }
            if c == "'" && i + 1 < n {
                let a = s[i + 1]
                if a == "s" || a == "t" || a == "m" || a == "d" { body(i..<(i + 2)); i += 2; continue }
                if i + 2 < n {
                    let b = s[i + 2]
                    if (a == "r" && b == "e") || (a == "v" && b == "e") || (a == "l" && b == "l") {
                        body(i..<(i + 3)); i += 3; continue
                    }
                }
            }
            if UnicodeClass.isLetter(c) {
                var j = i + 1
                while j < n && UnicodeClass.isLetter(s[j]) { j += 1 }
                body(i..<j); i = j; continue
            }
            if UnicodeClass.isNumber(c) { body(i..<(i + 1)); i += 1; continue }
            if UnicodeClass.isWhitespace(c) { i += 1; continue }
            var j = i + 1
            while j < n {
                let d = s[j]
                if UnicodeClass.isWhitespace(d) || UnicodeClass.isLetter(d) || UnicodeClass.isNumber(d) { break }
                j += 1
            }
            body(i..<j); i = j
        }
    }

    /// The GPT-2 pattern of the ByteLevel pre-tokenizer,
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`, over `range` of `s`.
    static func forEachGPT2Piece(_ s: [Unicode.Scalar], _ range: Range<Int>, _ body: (Range<Int>) -> Void) {
        let n = range.upperBound
        var i = range.lowerBound
        func run(from j: Int, _ keep: (Unicode.Scalar) -> Bool) -> Int {
            var k = j
            while k < n && keep(s[k]) { k += 1 }
            return k
        }
        let isOther: (Unicode.Scalar) -> Bool = {
            !UnicodeClass.isWhitespace($0) && !UnicodeClass.isLetter($0) && !UnicodeClass.isNumber($0)
        }
        while i < n {
            let c = s[i]
            if c == "'" && i + 1 < n {
                let a = s[i + 1]
                if a == "s" || a == "t" || a == "m" || a == "d" { body(i..<(i + 2)); i += 2; continue }
                if i + 2 < n {
                    let b = s[i + 2]
                    if (a == "r" && b == "e") || (a == "v" && b == "e") || (a == "l" && b == "l") {
                        body(i..<(i + 3)); i += 3; continue
                    }
                }
            }
            // " ?" class runs: an optional single space, then at least one scalar of the class.
            let start = (c == " " && i + 1 < n) ? i + 1 : i
            if start < n {
                let d = s[start]
                let classTest: ((Unicode.Scalar) -> Bool)? =
                    UnicodeClass.isLetter(d) ? UnicodeClass.isLetter
                    : UnicodeClass.isNumber(d) ? UnicodeClass.isNumber
                    : isOther(d) ? isOther : nil
                if let classTest {
                    let end = run(from: start, classTest)
                    body(i..<end); i = end; continue
                }
            }
            // Whitespace: the run minus its last scalar when a non-space follows (\s+(?!\S)), else all of it.
            let end = run(from: i, UnicodeClass.isWhitespace)
            if end < n && end - i > 1 {
                body(i..<(end - 1)); i = end - 1
            } else {
                body(i..<max(end, i + 1)); i = max(end, i + 1)
            }
        }
    }
}
