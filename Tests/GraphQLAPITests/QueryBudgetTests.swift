import Foundation
import GraphQL
import XCTest
@testable import Database
@testable import GraphQLAPI

/// The per-request budget (issue #17): result values and time, each checked by the resolvers before the
/// executor expands what they return, so a query past a bound stops working, not only answering.
final class QueryBudgetTests: XCTestCase {
    /// The Fixture's database, with every reference lookup slowed down and counted.
    final class SlowReferences: QueryBackend, @unchecked Sendable {
        let db: Database
        let delay: Duration
        private let lock = NSLock()
        private var lookups = 0
        init(_ db: Database, delay: Duration) { self.db = db; self.delay = delay }
        var calls: Int { lock.withLock { lookups } }

        func classes() -> [ClassDefinition] { db.classes() }
        var nearSearchModules: [any NearSearchVectorizer] { db.nearSearchModules }
        func get(_ request: GetRequest) async throws -> [GetHit] { try await db.get(request) }
        func explore(_ request: ExploreRequest) async throws -> [ExploreHit] { try await db.explore(request) }
        func aggregate(_ request: AggregateRequest) async throws -> [AggregateGroup] { try await db.aggregate(request) }
        func referencedObjects(beacons: [String], targetClasses: [String], includeVector: Bool, tenant: String?) async throws -> [WeaviateObject] {
            lock.withLock { lookups += 1 }
            try await Task.sleep(for: delay)
            return try await db.referencedObjects(beacons: beacons, targetClasses: targets(targetClasses), includeVector: includeVector,
                                                  tenant: tenant)
        }
        private func targets(_ t: [String]) -> [String] { t }
    }

    private func run(_ service: GraphQLService, _ q: String) async throws -> JSONValue {
        let body = JSONValue.object(["query": .string(q)]).jsonString()
        let (status, data) = await service.handle(body: Data(body.utf8))
        XCTAssertEqual(status, 200)
        return try JSONValue.parse(data)
    }

    func testFieldCountExpandsFragmentsOnce() throws {
        let document = try parse(source: Source(body: """
            { Get { A { x y: x _additional { id } ...F } } }
            fragment F on A { z ...G ...G }
            fragment G on A { w w }
            """))
        let operation = document.definitions.compactMap { $0 as? OperationDefinition }[0]
        let get = operation.selectionSet.selections[0] as! Field
        let a = get.selectionSet!.selections[0] as! Field
        let fragments = Dictionary(uniqueKeysWithValues: document.definitions.compactMap { $0 as? FragmentDefinition }
            .map { ($0.name.value, $0) })
        // x, y, _additional, id, z, and 2 x (w, w)
        XCTAssertEqual(SelectionReader.fieldCount([a], fragments: fragments), 9)
    }

    func testResultValues() async throws {
        let f = try Fixture()
        try await f.createClass("Article", properties: [("title", "text")])
        try await f.insert("Article", (0..<10).map { (["title": .string("t\($0)")], [1, Float($0)]) })
        let service = GraphQLService(database: f.db, limits: QueryLimits(maxResultValues: 30))
        // 10 objects x 3 fields = 30: within the bound.
        let ok = try await run(service, "{Get{Article{a: title b: title c: title}}}")
        XCTAssertEqual(ok["data"]?["Get"]?["Article"]?.arrayValue?.count, 10)
        let over = try await run(service, "{Get{Article{a: title b: title c: title d: title}}}")
        XCTAssertEqual(over, ["errors": [["message": "query results hold more than 30 values; the maximum is 30 (GRAPHQL_MAX_RESULT_VALUES)"]]])
        // Vector components count: each object costs 2 fields + 2 components.
        let vectors = try await run(service, "{Get{Article(limit: 7){_additional{vector}}}}")
        XCTAssertNil(vectors["errors"] ?? nil)
        let more = try await run(service, "{Get{Article(limit: 8){_additional{vector}}}}")
        XCTAssertEqual(more["errors"]?[0]?["message"]?.stringValue?.hasSuffix("(GRAPHQL_MAX_RESULT_VALUES)"), true)
    }

    /// A chain of 25 references, each lookup 100 ms: with a 1 s budget the walk stops after about ten
    /// lookups and the query answers the budget's error alone.
    func testTimeBudgetStopsTheWork() async throws {
        let f = try Fixture()
        try await f.db.createClass(ClassDefinition(className: "Node", properties: [PropertyDefinition(name: "n", dataType: ["int"])]))
        _ = try await f.db.addProperty(toClass: "Node", PropertyDefinition(name: "next", dataType: ["Node"]))
        try await f.insert("Node", (0..<26).map { i in
            (["n": .int(Int64(i)), "next": i < 25 ? [["beacon": .string("weaviate://localhost/Node/\(uuid(i + 1))")]] : []], nil)
        })
        var q = "n"
        for _ in 0..<25 { q = "n next{... on Node{\(q)}}" }
        let query = "{Get{Node(where: {path: [\"n\"], operator: Equal, valueInt: 0}){\(q)}}}"

        let slow = SlowReferences(f.db, delay: .milliseconds(100))
        let unbounded = try await run(GraphQLService(backend: slow, limits: QueryLimits(maxQuerySeconds: 30)), query)
        XCTAssertNil(unbounded["errors"] ?? nil)
        XCTAssertEqual(slow.calls, 25)

        let timed = SlowReferences(f.db, delay: .milliseconds(100))
        let started = ContinuousClock.now
        let answer = try await run(GraphQLService(backend: timed, limits: QueryLimits(maxQuerySeconds: 1)), query)
        XCTAssertEqual(answer, ["errors": [["message": "query ran for more than 1 s; the maximum is 1 (GRAPHQL_MAX_QUERY_SECONDS)"]]])
        XCTAssertLessThan(ContinuousClock.now - started, .milliseconds(1500))
        XCTAssertLessThanOrEqual(timed.calls, 12)
        try await Task.sleep(for: .milliseconds(300))
        XCTAssertLessThanOrEqual(timed.calls, 12, "no lookup started after the budget passed")
    }
}
