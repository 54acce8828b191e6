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
                    // The writers' first batch makes the class (auto-schema); this task may get here first.
                    if db.getClass("Shared") != nil {
                        _ = try await db.vectorSearch(className: "Shared", vector: [1, 1, 1, 1], k: 5)
                    }
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

    /// Concurrent PATCHes of different properties and reference adds to the same objects: every
    /// acknowledged change is there afterwards (each read-modify-write happens inside the writer).
    func testConcurrentMergesAndReferenceAddsToOneObjectLoseNothing() async throws {
        let t = try TempDatabase()
        let db = t.db!
        _ = try await db.createClass(ClassDefinition(className: "Target"))
        _ = try await db.createClass(ClassDefinition(className: "Shared", properties:
            (0..<6).map { PropertyDefinition(name: "p\($0)", dataType: ["int"]) } + [PropertyDefinition(name: "refs", dataType: ["Target"])]))
        let targets = (0..<4).map { String(format: "00000000-0000-4000-8000-%012d", $0) }
        let ids = (0..<40).map { String(format: "00000000-0000-4000-9000-%012d", $0) }
        _ = try await db.batchObjects(targets.map { ObjectInput(className: "Target", id: $0, properties: [:]) })
        _ = try await db.batchObjects(ids.map { ObjectInput(className: "Shared", id: $0, properties: [:], vector: [1, 0]) })
        try await withThrowingTaskGroup(of: Void.self) { group in
            for p in 0..<6 {
                group.addTask {
                    for (n, id) in ids.enumerated() {
                        try await db.mergeObject(className: "Shared", id: id, ObjectInput(properties: ["p\(p)": .int(Int64(n))]))
                    }
                }
            }
            for target in targets {
                group.addTask {
                    for id in ids {
                        try await db.addReference(className: "Shared", id: id, property: "refs",
                                                  ReferenceInput(beacon: "weaviate://localhost/Target/\(target)"))
                    }
                }
            }
            try await group.waitForAll()
        }
        for (n, id) in ids.enumerated() {
            let o = try await db.getObject(className: "Shared", id: id, includeVector: true)!
            for p in 0..<6 { XCTAssertEqual(o.properties["p\(p)"], .int(Int64(n)), "\(id) p\(p)") }
            let refs = (o.properties["refs"]?.arrayValue ?? []).compactMap { $0["beacon"]?.stringValue }
            XCTAssertEqual(Set(refs), Set(targets.map { "weaviate://localhost/Target/\($0)" }), id)
            XCTAssertEqual(o.vector, [1, 0])
        }
    }

    /// PATCHes that carry references add them (Weaviate's merge) inside the writer: clients PATCHing
    /// different references into the same objects at once all find theirs there afterwards.
    func testConcurrentPatchesWithReferencesAllAdd() async throws {
        let t = try TempDatabase()
        let db = t.db!
        _ = try await db.createClass(ClassDefinition(className: "Target"))
        _ = try await db.createClass(ClassDefinition(className: "Shared", properties: [PropertyDefinition(name: "refs", dataType: ["Target"])]))
        let targets = (0..<6).map { String(format: "00000000-0000-4000-8000-%012d", $0) }
        let ids = (0..<30).map { String(format: "00000000-0000-4000-9000-%012d", $0) }
        _ = try await db.batchObjects(targets.map { ObjectInput(className: "Target", id: $0, properties: [:]) })
        _ = try await db.batchObjects(ids.map { ObjectInput(className: "Shared", id: $0, properties: [:]) })
        let beacons = targets.map { "weaviate://localhost/Target/\($0)" }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for beacon in beacons {
                group.addTask {
                    for id in ids {
                        try await db.mergeObject(className: "Shared", id: id,
                                                 ObjectInput(properties: ["refs": [["beacon": .string(beacon)]]]))
                    }
                }
            }
            try await group.waitForAll()
        }
        for id in ids {
            let refs = try await db.getObject(className: "Shared", id: id)?.properties["refs"]?.arrayValue ?? []
            XCTAssertEqual(refs.count, beacons.count, id)
            XCTAssertEqual(Set(refs.compactMap { $0["beacon"]?.stringValue }), Set(beacons), id)
        }
    }
}
