import Dispatch

/// Runs `body(0)`, …, `body(n - 1)` on Dispatch's worker threads and returns when all have finished.
///
/// The model's kernels hand each worker raw pointers into one output buffer, which Swift 6 cannot prove
/// race-free, so `concurrentPerform`'s `@Sendable` closure would refuse them. This is the one place that
/// vouches for it, on two rules every caller keeps: each index writes a part of the output no other index
/// touches, and nothing the body captures outlives the call (it is not escaping, and concurrentPerform
/// returns only after the last iteration).
func concurrentForEach(_ n: Int, _ body: (Int) -> Void) {
    withoutActuallyEscaping(body) { body in
        let shared = UncheckedSendable(body)
        DispatchQueue.concurrentPerform(iterations: n) { shared.value($0) }
    }
}

/// @unchecked Sendable: only for `concurrentForEach`'s body, under the rules written there.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
