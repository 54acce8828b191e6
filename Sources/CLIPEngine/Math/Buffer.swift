/// An uninitialised float buffer owned by one forward pass (no copy-on-write or bounds checks in
/// the hot loops; freed when the pass ends).
final class FloatBuffer {
    let count: Int
    let p: UnsafeMutablePointer<Float>

    init(_ count: Int) {
        self.count = count
        p = .allocate(capacity: max(1, count))
    }

    deinit { p.deallocate() }

    func zero() { p.initialize(repeating: 0, count: count) }

    func row(_ r: Int, width: Int) -> UnsafeMutablePointer<Float> { p + r * width }
}
