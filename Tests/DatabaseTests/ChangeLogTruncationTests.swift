import XCTest
import Storage
import VectorIndex
@testable import Database

/// The change log is truncated once a durable snapshot covers it, and no restart (clean, crash, lost
/// or stale snapshot) loses a vector because of that.
final class ChangeLogTruncationTests: XCTestCase {
    /// The objects each class should hold, with their vectors.
    var stored: [String: [String: [Float]]] = [:]

    /// A synchronous read of the store (async tests would otherwise pick GRDB's async `read`).
    func read<T>(_ t: TempDatabase, _ body: (GRDB.Database) throws -> T) throws -> T {
        try t.db.store.pool.read(body)
    }

    func logCount(_ t: TempDatabase, _ className: String) throws -> Int {
        let id = try XCTUnwrap(t.db.state(className)).id
        return try read(t) { try ChangeLog.count($0, classID: id) }
    }

    func add(_ t: TempDatabase, _ className: String, _ n: Int) async throws {
        let results = try await t.db.batchObjects((0..<n).map { _ in
            ObjectInput(className: className, vector: VectorTests.randomVector(4))
        })
        for r in results {
            XCTAssertNil(r.error)
            stored[className, default: [:]][r.object.id] = r.object.vector
        }
    }

    /// Every stored object is the nearest hit for its own vector, and nothing else is in the index.
    func checkEveryObjectFound(_ t: TempDatabase, _ label: String, file: StaticString = #filePath, line: UInt = #line) async throws {
        for (className, objects) in stored {
            let all = try await t.db.vectorSearch(className: className, vector: VectorTests.randomVector(4), k: 1000)
            XCTAssertEqual(Set(all.map(\.object.id)), Set(objects.keys), "\(label): \(className)", file: file, line: line)
            for (id, vector) in objects {
                let hit = try await t.db.vectorSearch(className: className, vector: vector, k: 1).first
                XCTAssertEqual(hit?.object.id, id, "\(label): \(className)", file: file, line: line)
                XCTAssertEqual(hit?.distance ?? 1, 0, accuracy: 1e-5, "\(label): \(className)", file: file, line: line)
            }
        }
    }

    /// Drops the database without `close()` (no snapshot, no truncation) and opens the folder again.
    func crashAndReopen(_ t: TempDatabase) throws {
        let config = t.db.config
        t.db = nil
        t.db = try Database(config: config)
    }

    func testSnapshotsTruncateTheLogAndEveryRestartFindsEveryObject() async throws {
        let t = try TempDatabase()
        _ = try await t.db.createClass(ClassDefinition(className: "Busy"))
        _ = try await t.db.createClass(ClassDefinition(className: "Idle", vectorIndexConfig: ["skip": true]))
        try await add(t, "Busy", 30)
        try await add(t, "Idle", 3)
        XCTAssertEqual(try logCount(t, "Busy"), 30)
        XCTAssertEqual(try logCount(t, "Idle"), 3)
        try t.db.persistIndexes()
        XCTAssertEqual(try logCount(t, "Busy"), 0)
        XCTAssertEqual(try logCount(t, "Idle"), 0)

        let busyID = try XCTUnwrap(t.db.state("Busy")).id
        let busySnapshot = t.db.snapshotPath(classID: busyID)
        let oldSnapshot = t.path + "/old-busy.index"
        try FileManager.default.copyItem(atPath: busySnapshot, toPath: oldSnapshot)

        // Inserts, vector replacements and deletes on Busy only; Idle's last write is now far behind.
        try await add(t, "Busy", 20)
        let ids = Array(stored["Busy"]!.keys.sorted())
        for id in ids[0..<3] {
            let v = VectorTests.randomVector(4)
            _ = try await t.db.replaceObject(className: "Busy", id: id, ObjectInput(className: "Busy", vector: v))
            stored["Busy"]![id] = v
        }
        for id in ids[3..<6] {
            try await t.db.deleteObject(className: "Busy", id: id)
            stored["Busy"]![id] = nil
        }
        XCTAssertEqual(try logCount(t, "Busy"), 26)
        // Truncation is per class: the idle class (coveredSequence at its last write) does not pin Busy's log.
        try t.db.persistIndexes()
        XCTAssertEqual(try logCount(t, "Busy"), 0)
        XCTAssertEqual(try logCount(t, "Idle"), 0)

        // Changes after the last snapshot stay in the log until the next one.
        try await add(t, "Busy", 5)
        try await t.db.deleteObject(className: "Busy", id: ids[6])
        stored["Busy"]![ids[6]] = nil
        XCTAssertEqual(try logCount(t, "Busy"), 6)
        try await checkEveryObjectFound(t, "live")

        // Crash: snapshot + catch-up of the 6 entries after it.
        try crashAndReopen(t)
        try await checkEveryObjectFound(t, "after crash")

        // Crash with the snapshot file gone: rebuilt from the stored vectors.
        try FileManager.default.removeItem(atPath: busySnapshot)
        try crashAndReopen(t)
        try await checkEveryObjectFound(t, "snapshot removed")

        // Crash with a stale snapshot (from before entries that are truncated now): replaying after it
        // would miss the truncated changes, so it must be recognised and the index rebuilt.
        try? FileManager.default.removeItem(atPath: busySnapshot)
        try FileManager.default.copyItem(atPath: oldSnapshot, toPath: busySnapshot)
        try crashAndReopen(t)
        try await checkEveryObjectFound(t, "stale snapshot")
        let truncated = try read(t) { try ChangeLog.truncatedThrough($0, classID: busyID) }
        XCTAssertGreaterThanOrEqual(t.db.vectorIndex(ofClass: "Busy")!.coveredSequence, truncated)

        // A clean close snapshots and truncates everything.
        try t.reopen()
        XCTAssertEqual(try logCount(t, "Busy"), 0)
        XCTAssertEqual(try logCount(t, "Idle"), 0)
        try await checkEveryObjectFound(t, "clean restart")
    }

    func testRebuiltIndexWithoutVectorsIsNotStaleAgain() async throws {
        let t = try TempDatabase()
        _ = try await t.db.createClass(ClassDefinition(className: "E"))
        try await add(t, "E", 4)
        for id in stored["E"]!.keys { try await t.db.deleteObject(className: "E", id: id) }
        stored["E"] = [:]
        try t.db.persistIndexes()
        let id = try XCTUnwrap(t.db.state("E")).id
        try FileManager.default.removeItem(atPath: t.db.snapshotPath(classID: id))
        try crashAndReopen(t)
        // The rebuilt (empty) index covers the whole log, so its next snapshot is usable as is.
        let truncated = try read(t) { try ChangeLog.truncatedThrough($0, classID: id) }
        XCTAssertGreaterThan(truncated, 0)
        XCTAssertGreaterThanOrEqual(t.db.vectorIndex(ofClass: "E")!.coveredSequence, truncated)
        try t.reopen()
        XCTAssertGreaterThanOrEqual(t.db.vectorIndex(ofClass: "E")!.coveredSequence, truncated)
        try await checkEveryObjectFound(t, "empty")
    }

    func testDroppedClassLeavesNoLogBehind() async throws {
        let t = try TempDatabase()
        _ = try await t.db.createClass(ClassDefinition(className: "D"))
        try await add(t, "D", 5)
        try t.db.persistIndexes()
        try await add(t, "D", 2)
        let id = try XCTUnwrap(t.db.state("D")).id
        try await t.db.deleteClass("D")
        let (entries, marks) = try read(t) { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM changes WHERE class_id = ?", arguments: [id]),
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM changes_truncated WHERE class_id = ?", arguments: [id]))
        }
        XCTAssertEqual(entries, 0)
        XCTAssertEqual(marks, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: t.db.snapshotPath(classID: id)))
    }
}
