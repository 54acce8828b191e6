/// A node and its distance to the query; 8 bytes so heaps stay dense in cache.
struct Candidate {
    var distance: Float
    var slot: UInt32
}

/// Binary heaps over a manually managed buffer: no Array copy-on-write or bounds checks in the
/// graph walk. `MaxHeap` keeps the current best `ef` results (worst on top); `MinHeap` the frontier.
struct MaxHeap {
    private(set) var buffer: UnsafeMutablePointer<Candidate>
    private(set) var capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        buffer = .allocate(capacity: self.capacity)
    }
    func free() { buffer.deallocate() }

    var isEmpty: Bool { @inline(__always) get { count == 0 } }
    var top: Candidate { @inline(__always) get { buffer[0] } }
    @inline(__always) mutating func removeAll() { count = 0 }

    @inline(__always) mutating func push(_ c: Candidate) {
        if count == capacity { grow() }
        var i = count
        count += 1
        while i > 0 {
            let parent = (i - 1) >> 1
            if buffer[parent].distance >= c.distance { break }
            buffer[i] = buffer[parent]
            i = parent
        }
        buffer[i] = c
    }

    @inline(__always) @discardableResult mutating func pop() -> Candidate {
        let top = buffer[0]
        count -= 1
        if count > 0 {
            let last = buffer[count]
            var i = 0
            while true {
                var child = 2 * i + 1
                if child >= count { break }
                if child + 1 < count && buffer[child + 1].distance > buffer[child].distance { child += 1 }
                if buffer[child].distance <= last.distance { break }
                buffer[i] = buffer[child]
                i = child
            }
            buffer[i] = last
        }
        return top
    }

    private mutating func grow() {
        let bigger = UnsafeMutablePointer<Candidate>.allocate(capacity: capacity * 2)
        bigger.update(from: buffer, count: count)
        buffer.deallocate()
        buffer = bigger
        capacity *= 2
    }

    /// Empties the heap into `out`, closest first.
    mutating func drainAscending(into out: inout [Candidate]) {
        out.removeAll(keepingCapacity: true)
        let n = count
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(pop()) }
        out.reverse()
    }
}

struct MinHeap {
    private(set) var buffer: UnsafeMutablePointer<Candidate>
    private(set) var capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        buffer = .allocate(capacity: self.capacity)
    }
    func free() { buffer.deallocate() }

    var isEmpty: Bool { @inline(__always) get { count == 0 } }
    var top: Candidate { @inline(__always) get { buffer[0] } }
    @inline(__always) mutating func removeAll() { count = 0 }

    @inline(__always) mutating func push(_ c: Candidate) {
        if count == capacity { grow() }
        var i = count
        count += 1
        while i > 0 {
            let parent = (i - 1) >> 1
            if buffer[parent].distance <= c.distance { break }
            buffer[i] = buffer[parent]
            i = parent
        }
        buffer[i] = c
    }

    @inline(__always) @discardableResult mutating func pop() -> Candidate {
        let top = buffer[0]
        count -= 1
        if count > 0 {
            let last = buffer[count]
            var i = 0
            while true {
                var child = 2 * i + 1
                if child >= count { break }
                if child + 1 < count && buffer[child + 1].distance < buffer[child].distance { child += 1 }
                if buffer[child].distance >= last.distance { break }
                buffer[i] = buffer[child]
                i = child
            }
            buffer[i] = last
        }
        return top
    }

    private mutating func grow() {
        let bigger = UnsafeMutablePointer<Candidate>.allocate(capacity: capacity * 2)
        bigger.update(from: buffer, count: count)
        buffer.deallocate()
        buffer = bigger
        capacity *= 2
    }
}
