import CDistances
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The HNSW graph laid out for the CPU, as hnswlib does: level-0 neighbour lists in one buffer with a
/// fixed stride per node (`[count, n0, n1, ...]`), vectors in one contiguous buffer, the rare upper
/// levels in small per-node blocks, and one byte each for level, state and a spin lock per node.
/// Node ids are slot numbers (UInt32); the document id of a slot is in `labels`.
///
/// Buffers are only reallocated (grown) under the index's exclusive lock; everything else happens
/// under the shared lock, with per-node spin locks around neighbour-list writes. Readers read a
/// list's count atomically and then its entries without a lock: entries are always valid slots, so
/// a racing read costs at most a slightly stale list, never a wild pointer.
///
/// @unchecked Sendable: shared by the index's worker threads under exactly the locking described above,
/// which the compiler cannot see through raw buffers.
final class HNSWGraph: @unchecked Sendable {
    let dim: Int
    let maxM: Int            // neighbours per node on levels >= 1 (Weaviate maxConnections)
    let maxM0: Int           // neighbours per node on level 0 (2 x maxConnections)
    let stride0: Int         // UInt32s per node on level 0: count + maxM0
    let strideUpper: Int     // UInt32s per node per upper level: count + maxM
    private(set) var capacity: Int

    private(set) var vectors: UnsafeMutablePointer<Float>
    private(set) var level0: UnsafeMutablePointer<UInt32>
    private(set) var upper: UnsafeMutablePointer<UnsafeMutablePointer<UInt32>?>
    private(set) var levels: UnsafeMutablePointer<UInt8>
    private(set) var states: UnsafeMutablePointer<UInt8>
    private(set) var locks: UnsafeMutablePointer<UInt8>
    private(set) var labels: UnsafeMutablePointer<UInt64>

    /// Throws instead of trapping when the buffers cannot be allocated (sizes may come from a file).
    init(dim: Int, maxConnections: Int, capacity: Int) throws {
        self.dim = dim
        maxM = maxConnections
        maxM0 = 2 * maxConnections
        stride0 = 1 + maxM0
        strideUpper = 1 + maxM
        self.capacity = max(capacity, 16)
        let c = self.capacity
        let v = try? rawAllocateAlignedOrThrow(Float.self, count: c * dim)
        let l0 = try? rawAllocateOrThrow(UInt32.self, count: c * stride0)
        let up = try? rawAllocateOrThrow(UnsafeMutablePointer<UInt32>?.self, count: c, zeroed: true)
        let lv = try? rawAllocateOrThrow(UInt8.self, count: c, zeroed: true)
        let st = try? rawAllocateOrThrow(UInt8.self, count: c, zeroed: true)
        let lk = try? rawAllocateOrThrow(UInt8.self, count: c, zeroed: true)
        let lb = try? rawAllocateOrThrow(UInt64.self, count: c)
        guard let v, let l0, let up, let lv, let st, let lk, let lb else {
            free(v); free(l0); free(up); free(lv); free(st); free(lk); free(lb)
            throw VectorIndexError.io(path: "", reason: "out of memory allocating an HNSW graph of \(c) slots x \(dim) dimensions")
        }
        vectors = v; level0 = l0; upper = up; levels = lv; states = st; locks = lk; labels = lb
    }

    deinit {
        for s in 0..<capacity { if let p = upper[s] { free(p) } }
        rawFree(vectors); rawFree(level0); rawFree(upper); rawFree(levels); rawFree(states); rawFree(locks); rawFree(labels)
    }

    /// Caller holds the exclusive lock. On failure the graph keeps its old capacity (some buffers may
    /// already be larger, which is harmless).
    func grow(to newCapacity: Int) throws {
        guard newCapacity > capacity else { return }
        let old = capacity
        vectors = try rawReallocateAlignedOrThrow(vectors, oldCount: old * dim, newCount: newCapacity * dim)
        level0 = try rawReallocateOrThrow(level0, oldCount: old * stride0, newCount: newCapacity * stride0, zeroTail: false)
        upper = try rawReallocateOrThrow(upper, oldCount: old, newCount: newCapacity, zeroTail: true)
        levels = try rawReallocateOrThrow(levels, oldCount: old, newCount: newCapacity, zeroTail: true)
        states = try rawReallocateOrThrow(states, oldCount: old, newCount: newCapacity, zeroTail: true)
        locks = try rawReallocateOrThrow(locks, oldCount: old, newCount: newCapacity, zeroTail: true)
        labels = try rawReallocateOrThrow(labels, oldCount: old, newCount: newCapacity, zeroTail: false)
        capacity = newCapacity
    }

    @inline(__always) func vector(_ slot: UInt32) -> UnsafeMutablePointer<Float> { vectors + Int(slot) * dim }

    /// The neighbour list of `slot` on `level`: element 0 is the count, then the neighbours.
    @inline(__always) func links(_ slot: UInt32, _ level: Int) -> UnsafeMutablePointer<UInt32> {
        level == 0 ? level0 + Int(slot) * stride0 : upper[Int(slot)]! + (level - 1) * strideUpper
    }

    @inline(__always) func capacity(atLevel level: Int) -> Int { level == 0 ? maxM0 : maxM }

    /// Prepares a (free) slot for a new node with `level` upper levels.
    /// `vector` may be unaligned (a log record's payload).
    func initialiseSlot(_ slot: UInt32, level: Int, label: UInt64, vector: UnsafeRawPointer) {
        let s = Int(slot)
        UnsafeMutableRawPointer(vectors + s * dim).copyMemory(from: vector, byteCount: dim * 4)
        labels[s] = label
        levels[s] = UInt8(level)
        level0[s * stride0] = 0
        if let p = upper[s] { free(p); upper[s] = nil }
        if level > 0 { upper[s] = rawAllocate(UInt32.self, count: level * strideUpper, zeroed: true) }
    }

    /// Sets the list of `slot` on `level` (count then entries), publishing the count last.
    @inline(__always) func setLinks(_ slot: UInt32, _ level: Int, _ entries: UnsafeBufferPointer<UInt32>) {
        let list = links(slot, level)
        for (i, e) in entries.enumerated() { list[i + 1] = e }
        cd_store_u32(list, UInt32(entries.count))
    }

    /// Returns a cleaned-up slot to the free state.
    func releaseSlot(_ slot: UInt32) {
        let s = Int(slot)
        if let p = upper[s] { free(p); upper[s] = nil }
        levels[s] = 0
        level0[s * stride0] = 0
        states[s] = SlotState.free
    }

    /// Checks what a search relies on, after loading or replaying data from disk: slot states are
    /// known, list lengths fit, every list entry names a used slot that has that level, and the entry
    /// point is used and has `maxLevel`. Returns what is wrong, or nil.
    func invalidity(slots: Int, entry: UInt32, maxLevel: Int) -> String? {
        guard slots <= capacity else { return "slot count \(slots) exceeds capacity" }
        for s in 0..<slots {
            let state = states[s]
            if state > SlotState.deleted { return "bad slot state \(state) at \(s)" }
            if state == SlotState.free { continue }
            let level = Int(levels[s])
            if level > 0 && upper[s] == nil { return "missing upper lists at \(s)" }
            for l in 0...level {
                let list = links(UInt32(s), l)
                let n = Int(list[0])
                if n > capacity(atLevel: l) { return "bad list length \(n) at \(s) level \(l)" }
                for j in stride(from: 1, through: n, by: 1) {
                    let e = Int(list[j])
                    if e >= slots || states[e] == SlotState.free || states[e] > SlotState.deleted || Int(levels[e]) < l {
                        return "list of \(s) on level \(l) names slot \(e), which is out of range, free or lower"
                    }
                }
            }
        }
        if entry != UInt32.max {
            let e = Int(entry)
            if e >= slots || states[e] == SlotState.free || Int(levels[e]) < maxLevel { return "bad entry point \(e)" }
        }
        return nil
    }

    @inline(__always) func lock(_ slot: UInt32) { cd_spin_lock(locks + Int(slot)) }
    @inline(__always) func unlock(_ slot: UInt32) { cd_spin_unlock(locks + Int(slot)) }
}
