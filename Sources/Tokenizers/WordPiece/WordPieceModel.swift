/// Greedy longest-match-first WordPiece: from the start of a word take the longest vocabulary entry, then
/// continue with `##`-prefixed entries; a word with an unmatched remainder, or longer than
/// `maxInputCharsPerWord` characters, becomes the unknown token.
struct WordPieceModel {
    /// Keyed by UTF-8 bytes: byte-exact like the reference (no canonical-equivalence merging).
    let vocab: [ByteKey: Int32]
    let idToToken: [String]
    let unkId: Int32
    let prefix: String
    let maxInputCharsPerWord: Int
    private let prefixBytes: [UInt8]
    /// The longest vocabulary entry in bytes, to skip lookups that cannot match.
    private let longestEntry: Int

    init(vocab: [String: Int], unkToken: String, prefix: String, maxInputCharsPerWord: Int, path: String) throws {
        var v: [ByteKey: Int32] = [:]
        v.reserveCapacity(vocab.count)
        var maxId = -1
        var longest = 1
        for (token, id) in vocab {
            guard id >= 0, id < Int(Int32.max) else {
                throw TokenizerError.unsupported(path: path, what: "token id \(id) for \(token)")
            }
            v[ByteKey(token)] = Int32(id)
            maxId = max(maxId, id)
            longest = max(longest, token.utf8.count)
        }
        guard let unk = v[ByteKey(unkToken)] else { throw TokenizerError.missing(path: path, what: "unknown token \(unkToken)") }
        var names = [String](repeating: "", count: maxId + 1)
        for (token, id) in vocab { names[id] = token }
        self.vocab = v
        self.idToToken = names
        self.unkId = unk
        self.prefix = prefix
        self.prefixBytes = Array(prefix.utf8)
        self.maxInputCharsPerWord = maxInputCharsPerWord
        self.longestEntry = longest
    }

    /// The id of a token string, if it is in the vocabulary.
    func id(of token: String) -> Int32? { vocab[ByteKey(token)] }

    /// Buffers reused across the words of one text, so a word costs no allocations.
    struct Scratch {
        var bytes: [UInt8] = []
        var offsets: [Int] = []
        var key = ByteKey()
    }

    func encode(word: ArraySlice<Unicode.Scalar>, into out: inout [Int32], scratch: inout Scratch) {
        let n = word.count
        if n > maxInputCharsPerWord { out.append(unkId); return }
        // UTF-8 of the word and the byte offset of every scalar boundary: pieces end on scalar boundaries.
        scratch.bytes.removeAll(keepingCapacity: true)
        scratch.offsets.removeAll(keepingCapacity: true)
        scratch.offsets.append(0)
        for s in word {
            UnicodeClass.appendUTF8(s, to: &scratch.bytes)
            scratch.offsets.append(scratch.bytes.count)
        }
        let mark = out.count
        var start = 0
        while start < n {
            let extra = start > 0 ? prefixBytes.count : 0
            var end = n
            var found: Int32?
            while end > start {
                let from = scratch.offsets[start], to = scratch.offsets[end]
                if to - from + extra <= longestEntry {
                    scratch.key.bytes.removeAll(keepingCapacity: true)
                    if start > 0 { scratch.key.bytes.append(contentsOf: prefixBytes) }
                    scratch.key.bytes.append(contentsOf: scratch.bytes[from..<to])
                    if let id = vocab[scratch.key] { found = id; break }
                }
                end -= 1
            }
            guard let id = found else {
                out.removeSubrange(mark...)
                out.append(unkId)
                return
            }
            out.append(id)
            start = end
        }
    }
}
