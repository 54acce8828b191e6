import Foundation

/// Byte-level BPE over vocabulary ids, as the tokenizers library's BPE model does it with
/// `end_of_word_suffix` (CLIP: `</w>`): a pre-token's UTF-8 bytes become one symbol each (the last one with the
/// suffix), then the adjacent pair with the lowest merge rank is merged, leftmost first, until no pair has a
/// merge. Results are cached per pre-token (thread-safe), since the same words recur.
final class BytePairEncoder: @unchecked Sendable {
    let vocab: [String: Int32]
    let idToToken: [String]
    private let merges: [UInt64: Merge]
    private let byteIds: [Int32]
    private let byteSuffixIds: [Int32]
    private let ignoreMerges: Bool

    private struct Merge {
        let rank: Int32
        let id: Int32
    }

    private let cacheLock = NSLock()
    private var cache: [ByteKey: [Int32]] = [:]
    private static let cacheCapacity = 100_000

    /// - Parameters:
    ///   - merges: pairs in rank order (rank = index).
    ///   - suffix: end-of-word suffix appended to the last symbol of every pre-token ("" for none).
    init(vocab: [String: Int], merges: [(String, String)], suffix: String, ignoreMerges: Bool, path: String) throws {
        var v: [String: Int32] = [:]
        v.reserveCapacity(vocab.count)
        var maxId = -1
        for (token, id) in vocab {
            guard id >= 0, id < Int(Int32.max) else {
                throw TokenizerError.unsupported(path: path, what: "token id \(id) for \(token)")
            }
            v[token] = Int32(id)
            maxId = max(maxId, id)
        }
        var names = [String](repeating: "", count: maxId + 1)
        for (token, id) in v { names[Int(id)] = token }
        self.vocab = v
        self.idToToken = names

        var bIds = [Int32](repeating: -1, count: 256)
        var bsIds = [Int32](repeating: -1, count: 256)
        for b in 0..<256 {
            let plain = ByteLevel.token(for: UInt8(b))
            let withSuffix = ByteLevel.token(for: UInt8(b), suffix: suffix)
            guard let p = v[plain], let s = v[withSuffix] else {
                throw TokenizerError.missing(path: path, what: "byte-level token for byte \(b) (\(plain) / \(withSuffix))")
            }
            bIds[b] = p
            bsIds[b] = s
        }
        byteIds = bIds
        byteSuffixIds = bsIds

        var m: [UInt64: Merge] = [:]
        m.reserveCapacity(merges.count)
        for (rank, pair) in merges.enumerated() {
            guard let a = v[pair.0], let b = v[pair.1] else {
                throw TokenizerError.missing(path: path, what: "vocabulary entry for merge \"\(pair.0) \(pair.1)\"")
            }
            guard let merged = v[pair.0 + pair.1] else {
                throw TokenizerError.missing(path: path, what: "vocabulary entry \(pair.0 + pair.1) for merge \"\(pair.0) \(pair.1)\"")
            }
            let key = Self.key(a, b)
            if m[key] == nil { m[key] = Merge(rank: Int32(rank), id: merged) }
        }
        self.merges = m
        self.ignoreMerges = ignoreMerges
    }

    @inline(__always)
    private static func key(_ a: Int32, _ b: Int32) -> UInt64 {
        (UInt64(UInt32(bitPattern: a)) << 32) | UInt64(UInt32(bitPattern: b))
    }

    /// Appends the ids of one pre-token (its UTF-8 bytes) to `out`.
    func encode(word bytes: [UInt8], into out: inout [Int32]) {
        if bytes.isEmpty { return }
        let key = ByteKey(bytes)
        cacheLock.lock()
        let hit = cache[key]
        cacheLock.unlock()
        if let hit { out.append(contentsOf: hit); return }

        let ids = merge(bytes)
        cacheLock.lock()
        if cache.count >= Self.cacheCapacity { cache.removeAll(keepingCapacity: true) }
        cache[key] = ids
        cacheLock.unlock()
        out.append(contentsOf: ids)
    }

    private func merge(_ bytes: [UInt8]) -> [Int32] {
        if ignoreMerges {
            // tokenizers >= 0.20 option: a pre-token that is itself in the vocabulary is taken whole.
            var mapped = ""
            for b in bytes { mapped.unicodeScalars.append(ByteLevel.byteToScalar[Int(b)]) }
            if let id = vocab[mapped] { return [id] }
        }
        var symbols = bytes.map { byteIds[Int($0)] }
        symbols[symbols.count - 1] = byteSuffixIds[Int(bytes[bytes.count - 1])]
        while symbols.count > 1 {
            var bestRank = Int32.max
            var bestIndex = -1
            var bestId: Int32 = 0
            for i in 0..<(symbols.count - 1) {
                if let m = merges[Self.key(symbols[i], symbols[i + 1])], m.rank < bestRank {
                    bestRank = m.rank
                    bestIndex = i
                    bestId = m.id
                }
            }
            if bestIndex < 0 { break }
            symbols[bestIndex] = bestId
            symbols.remove(at: bestIndex + 1)
        }
        return symbols
    }
}
