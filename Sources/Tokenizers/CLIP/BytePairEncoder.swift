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
        // Very long pre-tokens (a pasted blob without spaces) are not cached: they rarely recur and would
        // crowd the cache.
        let cacheable = bytes.count <= Self.longestCachedWord
        let key = ByteKey(bytes)
        if cacheable {
            cacheLock.lock()
            let hit = cache[key]
            cacheLock.unlock()
            if let hit { out.append(contentsOf: hit); return }
        }
        let ids = merge(bytes)
        if cacheable {
            cacheLock.lock()
            if cache.count >= Self.cacheCapacity { cache.removeAll(keepingCapacity: true) }
            cache[key] = ids
            cacheLock.unlock()
        }
        out.append(contentsOf: ids)
    }

    private static let longestCachedWord = 256
    /// Above this many symbols the heap-based merge (O(n log n)) replaces the simple scan (O(n^2)).
    private static let heapThreshold = 48

    func merge(_ bytes: [UInt8]) -> [Int32] {
        if ignoreMerges {
            // tokenizers >= 0.20 option: a pre-token that is itself in the vocabulary is taken whole.
            var mapped = ""
            for b in bytes { mapped.unicodeScalars.append(ByteLevel.byteToScalar[Int(b)]) }
            if let id = vocab[mapped] { return [id] }
        }
        var symbols = bytes.map { byteIds[Int($0)] }
        symbols[symbols.count - 1] = byteSuffixIds[Int(bytes[bytes.count - 1])]
        return symbols.count > Self.heapThreshold ? mergeWithHeap(symbols) : mergeByScanning(symbols)
    }

    /// Repeatedly merges the lowest-ranked adjacent pair, leftmost first. Best for short words.
    func mergeByScanning(_ initial: [Int32]) -> [Int32] {
        var symbols = initial
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

    /// The same merge order with a priority queue of (rank, position) over a linked list of symbols, as the
    /// tokenizers library does it; a stale queue entry (its pair changed since) is skipped.
    func mergeWithHeap(_ initial: [Int32]) -> [Int32] {
        var symbols = initial
        let n = symbols.count
        var next = Array(1...n)            // n = end
        var prev = Array(-1..<(n - 1))
        var alive = [Bool](repeating: true, count: n)
        var heap = MergeHeap()
        for i in 0..<(n - 1) {
            if let m = merges[Self.key(symbols[i], symbols[i + 1])] { heap.push(.init(rank: m.rank, pos: i, id: m.id)) }
        }
        while let top = heap.pop() {
            let pos = top.pos
            guard alive[pos], next[pos] < n else { continue }
            let right = next[pos]
            guard let m = merges[Self.key(symbols[pos], symbols[right])], m.id == top.id, m.rank == top.rank else { continue }
            symbols[pos] = m.id
            alive[right] = false
            next[pos] = next[right]
            if next[right] < n { prev[next[right]] = pos }
            if prev[pos] >= 0, let l = merges[Self.key(symbols[prev[pos]], symbols[pos])] {
                heap.push(.init(rank: l.rank, pos: prev[pos], id: l.id))
            }
            if next[pos] < n, let r = merges[Self.key(symbols[pos], symbols[next[pos]])] {
                heap.push(.init(rank: r.rank, pos: pos, id: r.id))
            }
        }
        var out: [Int32] = []
        var i = 0
        while i < n { out.append(symbols[i]); i = next[i] }
        return out
    }
}

/// Binary min-heap of pending merges ordered by (rank, position).
private struct MergeHeap {
    struct Entry {
        let rank: Int32
        let pos: Int
        let id: Int32
        @inline(__always) func precedes(_ o: Entry) -> Bool { rank != o.rank ? rank < o.rank : pos < o.pos }
    }

    private var items: [Entry] = []

    mutating func push(_ e: Entry) {
        items.append(e)
        var c = items.count - 1
        while c > 0 {
            let p = (c - 1) / 2
            guard items[c].precedes(items[p]) else { break }
            items.swapAt(c, p)
            c = p
        }
    }

    mutating func pop() -> Entry? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var p = 0
            while true {
                let l = 2 * p + 1, r = l + 1
                var m = p
                if l < items.count && items[l].precedes(items[m]) { m = l }
                if r < items.count && items[r].precedes(items[m]) { m = r }
                if m == p { break }
                items.swapAt(p, m)
                p = m
            }
        }
        return first
    }
}
