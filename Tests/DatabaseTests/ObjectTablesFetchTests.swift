import GRDB
import Storage
import XCTest

/// `ObjectTables.fetch(docIDs:)` pads its `IN` list to a power of two so its statement is cached; the
/// padding must not change what comes back.
final class ObjectTablesFetchTests: XCTestCase {
    func testFetchByDocIDsKeepsOrderSkipsMissingAndCrossesChunks() throws {
        let db = try DatabaseQueue()
        try db.write { db in
            try ObjectTables.create(db, classID: 7, columns: [])
            for i in 0..<1_200 {
                _ = try ObjectTables.insert(db, classID: 7, row: ObjectRow(
                    uuid: String(format: "00000000-0000-0000-0000-%012d", i), created: Int64(i), updated: Int64(i),
                    properties: "{\"i\":\(i)}", vector: Data([UInt8(i % 256), 0, 0, 0]), additional: i % 2 == 0 ? nil : "{}"))
            }
        }
        try db.read { db in
            for count in [1, 2, 3, 5, 10, 64, 100, 511, 512, 513, 1_100] {
                // Doc ids start at 1; reversed, with ids that do not exist mixed in.
                let wanted: [UInt64] = (0..<count).map { UInt64(count - $0) } + [5_000, 0]
                let rows = try ObjectTables.fetch(db, classID: 7, docIDs: wanted, withVector: count % 2 == 0)
                XCTAssertEqual(rows.map(\.docID), (0..<count).map { UInt64(count - $0) }, "count \(count)")
                let first = try XCTUnwrap(rows.first)
                XCTAssertEqual(first.properties, "{\"i\":\(count - 1)}")
                XCTAssertEqual(first.uuid, String(format: "00000000-0000-0000-0000-%012d", count - 1))
                XCTAssertEqual(first.created, Int64(count - 1))
                XCTAssertEqual(first.additional, count % 2 == 0 ? "{}" : nil)
                XCTAssertEqual(first.vector, count % 2 == 0 ? Data([UInt8((count - 1) % 256), 0, 0, 0]) : nil)
            }
            XCTAssertEqual(try ObjectTables.fetch(db, classID: 7, docIDs: [], withVector: false).count, 0)
        }
    }
}
