import XCTest
@testable import Database

final class ConcurrencyTests: XCTestCase {
    /// Writers, auto-schema, schema changes, snapshots and searches at once: no deadlock, nothing lost.
    func testConcurrentWritersSchemaChangesAndSnapshots() async throws {
        let t = try TempDatabase()
        let db = t.db!
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<4 {
                group.addTask {
                    for b in 0..<5 {
                        let batch = (0..<50).map { i in
                            ObjectInput(className: "Shared", properties: ["w": .int(Int64(w)), "extra\(w)": .string("b\(b) i\(i)")],
                                        vector: [Float(w), Float(b), Float(i), 1])
                        }
                        let r = try await db.batchObjects(batch)
                        XCTAssertTrue(r.allSatisfy { $0.error == nil }, "\(r.compactMap(\.error).prefix(2))")
                    }
                }
            }
            group.addTask {
                for k in 0..<5 {
                    _ = try await db.createClass(ClassDefinition(className: "Side\(k)"))
                    try db.persistIndexes()
                    _ = try await db.vectorSearch(className: "Shared", vector: [1, 1, 1, 1], k: 5)
                }
            }
            try await group.waitForAll()
        }
        await XCTAssertEqualAsync(try await db.count(className: "Shared"), 1000)
        XCTAssertEqual(db.vectorIndex(ofClass: "Shared")?.count, 1000)
        XCTAssertEqual(Set(db.getClass("Shared")!.properties!.map(\.name)), ["w", "extra0", "extra1", "extra2", "extra3"])
        try t.reopen()
        XCTAssertEqual(t.db.vectorIndex(ofClass: "Shared")?.count, 1000)
        await XCTAssertEqualAsync(try await t.db.count(className: "Shared", filter: WhereFilter(operator: .equal, path: ["w"], valueNumber: 2)), 250)
    }
}
