import XCTest
import VectorIndex
@testable import Database

final class VectorTests: XCTestCase {
    static func distance(_ a: [Float], _ b: [Float], _ m: DistanceMetric) -> Float {
        switch m {
        case .cosine:
            let na = sqrt(a.reduce(0) { $0 + $1 * $1 }), nb = sqrt(b.reduce(0) { $0 + $1 * $1 })
            return 1 - zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } / (na * nb)
        case .dot: return -zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
        case .l2Squared: return zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        case .manhattan: return zip(a, b).reduce(0) { $0 + abs($1.0 - $1.1) }
        case .hamming: return Float(zip(a, b).filter { $0.0 != $0.1 }.count)
        }
    }

    static func randomVector(_ d: Int, integers: Bool = false) -> [Float] {
        (0..<d).map { _ in integers ? Float(Int.random(in: 0...2)) : Float.random(in: -1...1) }
    }

    func testNearVectorExactForEveryMetric() async throws {
        for metric in DistanceMetric.allCases {
            let t = try TempDatabase()
            _ = try await t.db.createClass(ClassDefinition(className: "V", vectorIndexConfig: ["distance": .string(metric.rawValue)]))
            let vectors = (0..<60).map { _ in Self.randomVector(8, integers: metric == .hamming) }
            let results = try await t.db.batchObjects(vectors.enumerated().map {
                ObjectInput(className: "V", properties: ["i": .int(Int64($0.offset))], vector: $0.element)
            })
            XCTAssertTrue(results.allSatisfy { $0.error == nil })
            let query = Self.randomVector(8, integers: metric == .hamming)
            let hits = try await t.db.vectorSearch(className: "V", vector: query, k: 10, includeVector: true)
            XCTAssertEqual(hits.count, 10)
            let expected = vectors.map { Self.distance($0, query, metric) }.sorted()
            for (k, h) in hits.enumerated() {
                XCTAssertEqual(h.distance, expected[k], accuracy: 1e-4, "\(metric) rank \(k)")
                XCTAssertEqual(h.distance, Self.distance(h.object.vector!, query, metric), accuracy: 1e-4)
            }
            // Filtered search: only allowed doc ids come back.
            let allowed = try await t.db.filterDocIDs(className: "V", filter: WhereFilter(operator: .lessThan, path: ["i"], valueNumber: 20))
            let filtered = try await t.db.vectorSearch(className: "V", vector: query, k: 100, allowList: AllowList(allowed))
            XCTAssertEqual(filtered.count, 20)
            XCTAssertTrue(filtered.allSatisfy { $0.object.properties["i"]!.doubleValue! < 20 })
        }
    }

    func testVectorIndexFollowsWritesAndSurvivesRestart() async throws {
        let t = try TempDatabase()
        _ = try await t.db.createClass(ClassDefinition(className: "P"))
        var stored: [String: [Float]] = [:]
        let first = try await t.db.batchObjects((0..<40).map { _ in ObjectInput(className: "P", vector: Self.randomVector(4)) })
        for r in first { stored[r.object.id] = r.object.vector }
        try t.db.persistIndexes()  // snapshot covers the first 40

        // Changes after the snapshot: inserts, deletes, vector replacements, a vector removal.
        let more = try await t.db.batchObjects((0..<10).map { _ in ObjectInput(className: "P", vector: Self.randomVector(4)) })
        for r in more { stored[r.object.id] = r.object.vector }
        let ids = Array(stored.keys.sorted().prefix(8))
        for id in ids[0..<3] { try await t.db.deleteObject(className: "P", id: id); stored[id] = nil }
        for id in ids[3..<6] {
            let v = Self.randomVector(4)
            _ = try await t.db.replaceObject(className: "P", id: id, ObjectInput(className: "P", vector: v))
            stored[id] = v
        }
        _ = try await t.db.replaceObject(className: "P", id: ids[6], ObjectInput(className: "P"))
        stored[ids[6]] = nil

        func checkIndex(_ label: String) async throws {
            let q = Self.randomVector(4)
            let hits = try await t.db.vectorSearch(className: "P", vector: q, k: 100)
            XCTAssertEqual(Set(hits.map(\.object.id)), Set(stored.keys), label)
            let expected = stored.values.map { Self.distance($0, q, .cosine) }.sorted()
            XCTAssertEqual(hits.map(\.distance).count, expected.count)
            for (a, b) in zip(hits.map(\.distance), expected) { XCTAssertEqual(a, b, accuracy: 1e-5, label) }
            XCTAssertEqual(t.db.vectorIndex(ofClass: "P")?.count, stored.count, label)
        }
        try await checkIndex("live")

        // Crash: drop the database without close (no new snapshot), reopen → snapshot + change-log catch-up.
        let config = t.db.config
        t.db = nil
        t.db = try Database(config: config)
        try await checkIndex("after crash")

        // Clean close (snapshot + log truncation) and reopen.
        try t.reopen()
        try await checkIndex("after clean restart")

        // No snapshot at all: rebuilt from the stored vectors.
        try t.db.close()
        let dir = (config.dataPath as NSString).appendingPathComponent("indexes")
        try FileManager.default.removeItem(atPath: dir)
        t.db = try Database(config: config)
        try await checkIndex("rebuilt")

        // Dimension is remembered across restarts.
        await assertAsyncThrows(.unprocessable, "new node has a vector with length 3. Existing nodes have vectors with length 4") {
            _ = try await t.db.createObject(ObjectInput(className: "P", vector: [1, 2, 3]))
        }
    }

    func testObjectsAndVectorsPersistAcrossReopen() async throws {
        let t = try TempDatabase()
        let r = try await t.db.batchObjects((0..<20).map {
            ObjectInput(className: "K", properties: ["n": .int(Int64($0)), "s": .string("v\($0)")], vector: [Float($0), 1.5, -0.25])
        })
        try t.reopen()
        for item in r {
            let o = try await XCTUnwrapAsync(try await t.db.getObject(className: "K", id: item.object.id, includeVector: true))
            XCTAssertEqual(o.properties, item.object.properties)
            XCTAssertEqual(o.vector, item.object.vector)
            XCTAssertEqual(o.creationTimeUnix, item.object.creationTimeUnix)
        }
    }
}
