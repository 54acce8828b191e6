import Foundation

/// Character classes and normalisations shared by the tokenizers, defined on Unicode scalars exactly as the
/// Rust `tokenizers` library (and Oniguruma's `\s`, `\p{L}`, `\p{N}`) define them. ASCII takes a table-free
/// fast path because it is most of the text.
enum UnicodeClass {
    /// `\p{L}`: general category Lu, Ll, Lt, Lm or Lo.
    @inline(__always)
    static func isLetter(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x80 { return (v | 0x20) &- 0x61 < 26 }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// `\p{N}`: general category Nd, Nl or No.
    @inline(__always)
    static func isNumber(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x80 { return v &- 0x30 < 10 }
        switch s.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// `\s` in Oniguruma / Rust `char::is_whitespace`: the Unicode White_Space property
    /// (includes U+0085, U+00A0, U+1680, U+2000-200A, U+2028/9, U+202F, U+205F, U+3000; not U+200B or U+001C-001F).
    @inline(__always)
    static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x80 { return v == 0x20 || (v &- 0x09) < 5 }
        return s.properties.isWhitespace
    }

    /// BERT's control characters (removed by clean_text): categories Cc, Cf, Co (and Cs) except tab, LF, CR.
    /// Unassigned code points (Cn) are kept, as the tokenizers library does (they end up as [UNK]).
    @inline(__always)
    static func isBertControl(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v == 0x09 || v == 0x0A || v == 0x0D { return false }
        if v < 0x20 || v == 0x7F { return true }
        if v < 0x80 { return false }
        switch s.properties.generalCategory {
        case .control, .format, .privateUse, .surrogate: return true
        default: return false
        }
    }

    /// BERT's whitespace: tab, LF, CR or White_Space.
    @inline(__always)
    static func isBertWhitespace(_ s: Unicode.Scalar) -> Bool { isWhitespace(s) }

    /// BERT's punctuation: any ASCII punctuation (which includes symbols like `$+<=>^`|~`) or a Unicode
    /// punctuation category (Pc, Pd, Ps, Pe, Pi, Pf, Po).
    @inline(__always)
    static func isBertPunctuation(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x80 {
            return (v >= 33 && v <= 47) || (v >= 58 && v <= 64) || (v >= 91 && v <= 96) || (v >= 123 && v <= 126)
        }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }

    /// BERT's "Chinese character": the CJK Unified Ideographs blocks and extensions and the compatibility
    /// ideographs (not Hangul, kana or CJK punctuation).
    @inline(__always)
    static func isCJKIdeograph(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
             0x2B820...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F: return true
        default: return false
        }
    }

    /// Full (one-to-many, context-free) lower-case mapping of one scalar, like Rust's `char::to_lowercase`
    /// (no final-sigma rule: the tokenizers library lower-cases character by character).
    @inline(__always)
    static func appendLowercased(_ s: Unicode.Scalar, to out: inout [Unicode.Scalar]) {
        let v = s.value
        if v < 0x80 {
            out.append(v &- 0x41 < 26 ? Unicode.Scalar(UInt8(v + 0x20)) : s)
            return
        }
        if !s.properties.changesWhenLowercased { out.append(s); return }
        out.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars)
    }

    static func lowercased(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(scalars.count)
        for s in scalars { appendLowercased(s, to: &out) }
        return out
    }

    /// Canonical composition (NFC). Most text never needs work: a scalar below U+0300, or one with combining
    /// class 0 inside ``nfcStableRanges``, is NFC in any context (it has no canonical decomposition, is not the
    /// second half of a composition and needs no reordering).
    ///
    /// The rest goes through the standard library's own normaliser (`_nfcCodeUnits`, what String comparison
    /// uses), not Foundation: on Linux Foundation's NFC leaves a Hangul LV syllable + trailing jamo uncomposed
    /// and mishandles supplementary-plane characters followed by combining marks, while the standard
    /// library's agrees with Python's unicodedata on every assigned scalar (see UnicodeNormalizationTests).
    static func nfc(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        if scalars.allSatisfy({ $0.value < 0x300 || isStable($0, in: nfcStableRanges) }) { return scalars }
        return Array(String(decoding: string(scalars)._nfcCodeUnits, as: UTF8.self).unicodeScalars)
    }

    /// Canonical decomposition (NFD): each scalar's full decomposition (from Foundation, cached per scalar),
    /// then the canonical ordering of combining marks. Below U+00C0, or combining class 0 inside
    /// ``nfdStableRanges``, a scalar is its own decomposition.
    static func nfd(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        if scalars.allSatisfy({ $0.value < 0xC0 || isStable($0, in: nfdStableRanges) }) { return scalars }
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(scalars.count + 8)
        for s in scalars {
            if s.value < 0xC0 || isStable(s, in: nfdStableRanges) {
                out.append(s)
            } else {
                out.append(contentsOf: DecompositionCache.shared.decomposition(of: s))
            }
        }
        // Canonical ordering: within each run of non-starters, a stable sort by combining class.
        var i = 1
        while i < out.count {
            let c = combiningClass(out[i])
            if c != 0 {
                var j = i
                while j > 0 {
                    let p = combiningClass(out[j - 1])
                    guard p > c else { break }
                    out.swapAt(j - 1, j)
                    j -= 1
                }
            }
            i += 1
        }
        return out
    }

    @inline(__always)
    static func combiningClass(_ s: Unicode.Scalar) -> UInt8 {
        s.value < 0x300 ? 0 : s.properties.canonicalCombiningClass.rawValue
    }

    /// A String from scalars, built through UTF-8 (much faster than appending scalars one by one).
    static func string(_ scalars: [Unicode.Scalar]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(scalars.count * 2)
        for s in scalars { appendUTF8(s, to: &bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Blocks in which every combining-class-0 character is NFD_Quick_Check=Yes (checked against Python's
    /// unicodedata and, in the tests, against Foundation): Armenian, Hebrew, Arabic Supplement, Thai, Georgian,
    /// general punctuation (from U+2002), currency, enclosed alphanumerics, box drawing to dingbats, CJK
    /// radicals, CJK symbols and punctuation, Bopomofo, Hangul compatibility jamo, CJK ideographs, Yi,
    /// variation selectors, CJK compatibility forms, half/full-width forms, emoji and symbols, tags.
    static let nfdStableRanges: [ClosedRange<UInt32>] = [
        0x0530...0x058F, 0x0590...0x05FF, 0x0750...0x077F, 0x0E00...0x0E7F, 0x10A0...0x10FF, 0x2002...0x206F,
        0x20A0...0x20CF, 0x2460...0x24FF, 0x2500...0x27BF, 0x2E80...0x2FDF, 0x3000...0x303F, 0x3100...0x312F,
        0x3130...0x318F, 0x31F0...0x31FF, 0x3200...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
        0xFE00...0xFE0F, 0xFE30...0xFE4F, 0xFF00...0xFFEF, 0x1F000...0x1FAFF, 0x20000...0x2A6DF,
        0x2A700...0x2EBEF, 0xE0000...0xE007F,
    ]

    /// Blocks in which every combining-class-0 character is NFC_Quick_Check=Yes and not the second half of a
    /// canonical composition: the NFD-stable blocks plus Cyrillic, Arabic, Latin Extended Additional, arrows,
    /// mathematical operators, kana and Hangul syllables (precomposed, so stable under NFC).
    static let nfcStableRanges: [ClosedRange<UInt32>] = (nfdStableRanges + [
        0x0400...0x052F, 0x0600...0x06FF, 0x1E00...0x1EFF, 0x2190...0x21FF, 0x2200...0x22FF, 0x3040...0x30FF,
        0xAC00...0xD7A3,
    ]).sorted { $0.lowerBound < $1.lowerBound }

    @inline(__always)
    static func isStable(_ s: Unicode.Scalar, in ranges: [ClosedRange<UInt32>]) -> Bool {
        let v = s.value
        // Binary search for the last range starting at or before v.
        var lo = 0, hi = ranges.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if ranges[mid].lowerBound <= v { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0, ranges[lo - 1].contains(v) else { return false }
        return s.properties.canonicalCombiningClass == .notReordered
    }

    @inline(__always)
    static func isNonspacingMark(_ s: Unicode.Scalar) -> Bool {
        s.value >= 0x300 && s.properties.generalCategory == .nonspacingMark
    }

    /// Appends the UTF-8 encoding of `s` to `out`.
    @inline(__always)
    static func appendUTF8(_ s: Unicode.Scalar, to out: inout [UInt8]) {
        let v = s.value
        if v < 0x80 {
            out.append(UInt8(v))
        } else if v < 0x800 {
            out.append(UInt8(0xC0 | (v >> 6)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        } else if v < 0x10000 {
            out.append(UInt8(0xE0 | (v >> 12)))
            out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        } else {
            out.append(UInt8(0xF0 | (v >> 18)))
            out.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        }
    }

    /// Python `str.isalnum()`-like word character test used for single_word added tokens (`\w`).
    @inline(__always)
    static func isWordCharacter(_ s: Unicode.Scalar) -> Bool {
        s == "_" || isLetter(s) || isNumber(s) || s.properties.generalCategory == .nonspacingMark
            || s.properties.generalCategory == .spacingMark || s.properties.generalCategory == .connectorPunctuation
    }
}

/// Full canonical decompositions of single scalars, computed once by Foundation and kept (bounded).
/// @unchecked Sendable: `table` is touched only under `lock`.
final class DecompositionCache: @unchecked Sendable {
    static let shared = DecompositionCache()
    private let lock = NSLock()
    private var table: [UInt32: [Unicode.Scalar]] = [:]
    private static let capacity = 200_000

    func decomposition(of s: Unicode.Scalar) -> [Unicode.Scalar] {
        lock.lock()
        let hit = table[s.value]
        lock.unlock()
        if let hit { return hit }
        let d = Array(String(Character(s)).decomposedStringWithCanonicalMapping.unicodeScalars)
        lock.lock()
        if table.count < Self.capacity { table[s.value] = d }
        lock.unlock()
        return d
    }
}
