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
final class HNSWGraph {
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

    init(dim: Int, maxConnections: Int, capacity: Int) {
        self.dim = dim
        maxM = maxConnections
        maxM0 = 2 * maxConnections
        stride0 = 1 + maxM0
        strideUpper = 1 + maxM
        self.capacity = max(capacity, 16)
        let c = self.capacity
        vectors = rawAllocate(Float.self, count: c * dim)
        level0 = rawAllocate(UInt32.self, count: c * stride0)
        upper = rawAllocate(UnsafeMutablePointer<UInt32>?.self, count: c, zeroed: true)
        levels = rawAllocate(UInt8.self, count: c, zeroed: true)
        states = rawAllocate(UInt8.self, count: c, zeroed: true)
        locks = rawAllocate(UInt8.self, count: c, zeroed: true)
        labels = rawAllocate(UInt64.self, count: c)
    }

    deinit {
        for s in 0..<capacity { if let p = upper[s] { free(p) } }
        rawFree(vectors); rawFree(level0); rawFree(upper); rawFree(levels); rawFree(states); rawFree(locks); rawFree(labels)
    }

    /// Caller holds the exclusive lock.
    func grow(to newCapacity: Int) {
        guard newCapacity > capacity else { return }
        let old = capacity
        vectors = rawReallocate(vectors, oldCount: old * dim, newCount: newCapacity * dim, zeroTail: false)
        level0 = rawReallocate(level0, oldCount: old * stride0, newCount: newCapacity * stride0, zeroTail: false)
        upper = rawReallocate(upper, oldCount: old, newCount: newCapacity, zeroTail: true)
        levels = rawReallocate(levels, oldCount: old, newCount: newCapacity, zeroTail: true)
        states = rawReallocate(states, oldCount: old, newCount: newCapacity, zeroTail: true)
        locks = rawReallocate(locks, oldCount: old, newCount: newCapacity, zeroTail: true)
        labels = rawReallocate(labels, oldCount: old, newCount: newCapacity, zeroTail: false)
        capacity = newCapacity
    }

    @inline(__always) func vector(_ slot: UInt32) -> UnsafeMutablePointer<Float> { vectors + Int(slot) * dim }

    /// The neighbour list of `slot` on `level`: element 0 is the count, then the neighbours.
    @inline(__always) func links(_ slot: UInt32, _ level: Int) -> UnsafeMutablePointer<UInt32> {
        level == 0 ? level0 + Int(slot) * stride0 : upper[Int(slot)]! + (level - 1) * strideUpper
    }

    @inline(__always) func capacity(atLevel level: Int) -> Int { level == 0 ? maxM0 : maxM }

    /// Prepares a (free) slot for a new node with `level` upper levels.
    func initialiseSlot(_ slot: UInt32, level: Int, label: UInt64, vector: UnsafePointer<Float>) {
        let s = Int(slot)
        (vectors + s * dim).update(from: vector, count: dim)
        labels[s] = label
        levels[s] = UInt8(level)
        level0[s * stride0] = 0
        if let p = upper[s] { free(p); upper[s] = nil }
        if level > 0 { upper[s] = rawAllocate(UInt32.self, count: level * strideUpper, zeroed: true) }
    }

    /// Returns a cleaned-up slot to the free state.
    func releaseSlot(_ slot: UInt32) {
        let s = Int(slot)
        if let p = upper[s] { free(p); upper[s] = nil }
        levels[s] = 0
        level0[s * stride0] = 0
        states[s] = SlotState.free
    }

    @inline(__always) func lock(_ slot: UInt32) { cd_spin_lock(locks + Int(slot)) }
    @inline(__always) func unlock(_ slot: UInt32) { cd_spin_unlock(locks + Int(slot)) }
}
