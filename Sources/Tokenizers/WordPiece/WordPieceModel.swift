/// Greedy longest-match-first WordPiece: from the start of a word take the longest vocabulary entry, then
/// continue with `##`-prefixed entries; a word with an unmatched remainder, or longer than
/// `maxInputCharsPerWord` characters, becomes the unknown token.
struct WordPieceModel {
    let vocab: [String: Int32]
    let idToToken: [String]
    let unkId: Int32
    let prefix: String
    let maxInputCharsPerWord: Int
    /// The longest vocabulary entry in scalars, to bound the search.
    private let longestEntry: Int

    init(vocab: [String: Int], unkToken: String, prefix: String, maxInputCharsPerWord: Int, path: String) throws {
        var v: [String: Int32] = [:]
        v.reserveCapacity(vocab.count)
        var maxId = -1
        var longest = 1
        for (token, id) in vocab {
            guard id >= 0, id < Int(Int32.max) else {
                throw TokenizerError.unsupported(path: path, what: "token id \(id) for \(token)")
            }
            v[token] = Int32(id)
            maxId = max(maxId, id)
            longest = max(longest, token.unicodeScalars.count)
        }
        guard let unk = v[unkToken] else { throw TokenizerError.missing(path: path, what: "unknown token \(unkToken)") }
        var names = [String](repeating: "", count: maxId + 1)
        for (token, id) in v { names[Int(id)] = token }
        self.vocab = v
        self.idToToken = names
        self.unkId = unk
        self.prefix = prefix
        self.maxInputCharsPerWord = maxInputCharsPerWord
        self.longestEntry = longest
    }

    func encode(word: ArraySlice<Unicode.Scalar>, into out: inout [Int32]) {
        let n = word.count
        if n > maxInputCharsPerWord { out.append(unkId); return }
        let base = word.startIndex
        let mark = out.count
        var start = 0
        var piece = ""
        while start < n {
            var end = min(n, start + longestEntry)
            var found: Int32?
            while end > start {
                piece.removeAll(keepingCapacity: true)
                if start > 0 { piece += prefix }
                piece.unicodeScalars.append(contentsOf: word[(base + start)..<(base + end)])
                if let id = vocab[piece] { found = id; break }
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
