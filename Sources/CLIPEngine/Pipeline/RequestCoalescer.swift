import Foundation

/// Lets concurrent callers share model runs: while one batch computes, new requests queue up, and the
/// next run takes all of them at once (outputs are handed back per request, in order). If a combined
/// run fails, each request is retried alone so one bad input only fails its own request.
/// @unchecked Sendable: `queue`, `busy` and every request's result change only under `condition`, and
/// `process` runs on one thread at a time (the one that set `busy`).
final class RequestCoalescer<Input, Output>: @unchecked Sendable {
    private final class Request {
        let inputs: [Input]
        var result: Result<[Output], Error>?
        init(_ inputs: [Input]) { self.inputs = inputs }
    }

    private let condition = NSCondition()
    private var queue: [Request] = []
    private var busy = false
    private let process: ([Input]) throws -> [Output]

    init(process: @escaping ([Input]) throws -> [Output]) { self.process = process }

    func submit(_ inputs: [Input]) throws -> [Output] {
        if inputs.isEmpty { return [] }
        let request = Request(inputs)
        condition.lock()
        queue.append(request)
        while request.result == nil {
            if busy {
                condition.wait()
                continue
            }
            busy = true
            let batch = queue
            queue = []
            condition.unlock()
            let results = run(batch)
            condition.lock()
            for (r, res) in zip(batch, results) { r.result = res }
            busy = false
            condition.broadcast()
        }
        condition.unlock()
        return try request.result!.get()
    }

    private func run(_ batch: [Request]) -> [Result<[Output], Error>] {
        let all = batch.flatMap(\.inputs)
        do {
            let out = try process(all)
            precondition(out.count == all.count, "RequestCoalescer: the model returned \(out.count) outputs for \(all.count) inputs")
            var i = 0
            return batch.map { r in
                defer { i += r.inputs.count }
                return .success(Array(out[i..<(i + r.inputs.count)]))
            }
        } catch {
            if batch.count == 1 { return [.failure(error)] }
            return batch.map { r in Result { try process(r.inputs) } }
        }
    }
}
