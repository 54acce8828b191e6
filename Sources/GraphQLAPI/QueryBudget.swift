// The per-request budget of a GraphQL query (issue #17): time (GRAPHQL_MAX_QUERY_SECONDS) and result size
// (GRAPHQL_MAX_RESULT_VALUES). GraphQLSwift completes every field of every result object, and every item of
// every list, as a task of its own: 1,000 aliases of one property over 200 objects are 200,000 tasks
// (measured: 9 s and 1 GiB), and nothing in its executor looks at the clock or at cancellation. So the
// resolvers that return lists (Get, Explore, Aggregate, references) charge what the executor is about to
// expand, before it expands it, and every resolver checks the clock before doing work; once either bound
// is passed the remaining resolvers throw at once, and the request answers one error naming the bound.
import Database
import Foundation
import GraphQL

/// @unchecked Sendable: `values` and `exceededMessage` change only under `lock`; the rest is immutable.
final class QueryBudget: @unchecked Sendable {
    /// The budget of the request this task (and its child tasks) executes.
    @TaskLocal static var current: QueryBudget?

    let limits: QueryLimits
    let deadline: ContinuousClock.Instant
    /// The searches and reference lookups of one request run a few at a time. GraphQLSwift starts sibling
    /// fields together, so otherwise all of them would pass the clock and the charge before any finished:
    /// 100 searches of 60 ms each ran 6 s past a 1 s budget; 60 objects x 60 references x 3 levels took
    /// 15 s and 1.2 GiB.
    let slots = Gate(slots: 4)
    private let lock = NSLock()
    private var values = 0
    private var exceededMessage: String?

    init(limits: QueryLimits, now: ContinuousClock.Instant = .now) {
        self.limits = limits
        self.deadline = now + .seconds(limits.maxQuerySeconds)
    }

    /// The message of the first bound passed, if any.
    var exceeded: String? {
        lock.lock()
        defer { lock.unlock() }
        return exceededMessage
    }

    private func fail(_ message: String) -> GraphQLError {
        lock.lock()
        defer { lock.unlock() }
        if exceededMessage == nil { exceededMessage = message }
        return GraphQLError(message: exceededMessage!)
    }

    func checkTime() throws {
        if let message = exceeded { throw GraphQLError(message: message) }
        if ContinuousClock.now > deadline {
            throw fail("query ran for more than \(limits.maxQuerySeconds) s; the maximum is \(limits.maxQuerySeconds) (GRAPHQL_MAX_QUERY_SECONDS)")
        }
    }

    func charge(_ count: Int) throws {
        try checkTime()
        lock.lock()
        let (sum, overflow) = values.addingReportingOverflow(count)
        values = overflow ? .max : sum
        let total = values
        lock.unlock()
        if total > limits.maxResultValues {
            throw fail("query results hold more than \(limits.maxResultValues) values; the maximum is \(limits.maxResultValues) (GRAPHQL_MAX_RESULT_VALUES)")
        }
    }

    /// A reference lookup of `beacons` objects: charged for the fields selected on them before it runs,
    /// and for the values they hold (the fetched objects are kept whole until the answer is built) and
    /// their vectors after.
    static func lookup(beacons: Int, info: GraphQLResolveInfo,
                       _ fetch: () async throws -> [WeaviateObject]) async throws -> [WeaviateObject] {
        try await withSlot {
            try charge(objects: beacons, info: info)
            let objects = try await fetch()
            let held = objects.reduce(0) { $0 + $1.properties.values.reduce(0) { $0 + $1.valueCount } }
            try current?.charge(held + objects.vectorComponents)
            return objects
        }
    }

    /// Runs a search (or lookup) in one of the request's slots, once the clock allows it.
    static func withSlot<T>(_ work: () async throws -> T) async throws -> T {
        guard let budget = current else { return try await work() }
        await budget.slots.acquire()
        do {
            try budget.checkTime()
            let result = try await work()
            await budget.slots.release()
            return result
        } catch {
            await budget.slots.release()
            throw error
        }
    }

    /// Before a resolver does any work.
    static func check() throws { try current?.checkTime() }

    /// Before a resolver hands `objects` results to the executor: each costs the fields selected under
    /// `info`'s field (nested ones included, fragments expanded), plus `extra` list items (vectors).
    static func charge(objects: Int, extra: Int = 0, info: GraphQLResolveInfo) throws {
        guard let budget = current else { return }
        let perObject = max(1, SelectionReader.fieldCount(info.fieldASTs, fragments: info.fragments))
        let (product, overflow) = objects.multipliedReportingOverflow(by: perObject)
        let (total, overflow2) = product.addingReportingOverflow(extra)
        try budget.charge(overflow || overflow2 ? .max : total)
    }
}

/// At most `slots` holders at once; the others wait in order.
actor Gate {
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(slots: Int) { free = slots }

    func acquire() async {
        if free > 0 { free -= 1; return }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
    }
}

extension JSONValue {
    /// This value and everything inside it.
    var valueCount: Int {
        switch self {
        case .array(let items): return items.reduce(1) { $0 + $1.valueCount }
        case .object(let members): return members.values.reduce(1) { $0 + $1.valueCount }
        default: return 1
        }
    }
}
