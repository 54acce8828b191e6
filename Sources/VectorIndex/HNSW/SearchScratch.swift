#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Per-search working memory, reused across searches: a visited set with a generation counter
/// (no clearing per search), both heaps, and temporaries for neighbour selection.
final class SearchScratch {
    private(set) var visited: UnsafeMutablePointer<UInt16>
    private(set) var visitedCapacity: Int
    private var tag: UInt16 = 0
    var candidates = MinHeap(capacity: 512)
    var results = MaxHeap(capacity: 512)
    var sorted: [Candidate] = []
    var selected: [Candidate] = []
    var pool: [Candidate] = []
    var stack: [UInt32] = []
    var stackCandidates: [Candidate] = []
    var mask: [UInt8] = []

    init(capacity: Int) {
        visitedCapacity = capacity
        visited = rawAllocate(UInt16.self, count: capacity, zeroed: true)
    }
    deinit { rawFree(visited); candidates.free(); results.free() }

    func ensure(capacity: Int) {
        if capacity > visitedCapacity {
            rawFree(visited)
            visited = rawAllocate(UInt16.self, count: capacity, zeroed: true)
            visitedCapacity = capacity
            tag = 0
        }
    }

    /// A fresh visited generation; wraps by clearing the array once every 65,535 searches.
    @inline(__always) func nextTag() -> UInt16 {
        tag &+= 1
        if tag == 0 {
            memset(visited, 0, visitedCapacity * 2)
            tag = 1
        }
        return tag
    }
}

/// @unchecked Sendable: `spare` is touched only under `mutex`.
final class ScratchPool: @unchecked Sendable {
    private let mutex = Mutex()
    private var spare: [SearchScratch] = []

    func acquire(capacity: Int) -> SearchScratch {
        let s = mutex.withLock { spare.popLast() } ?? SearchScratch(capacity: capacity)
        s.ensure(capacity: capacity)
        return s
    }
    func release(_ s: SearchScratch) { mutex.withLock { spare.append(s) } }
}
