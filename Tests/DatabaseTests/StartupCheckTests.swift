import XCTest
import Storage
import VectorIndex
@testable import Database

/// Opening proves the store and each index agree (Integrity/StartupCheck.swift), a clean close leaves
/// nothing in the WAL, and a store that refuses writes says so before SQLite is asked.
final class StartupCheckTests: XCTestCase {
    func makeClass(_ t: TempDatabase, objects: Int) async throws -> [BatchObjectResult] {
        _ = try await t.db.createClass(ClassDefinition(className: "C"))
        let results = try await t.db.batchObjects((0..<objects).map { _ in
            ObjectInput(className: "C", vector: VectorTests.randomVector(8))
        })
        XCTAssertTrue(results.allSatisfy { $0.error == nil })
        return results
    }

    func testCleanCloseCheckpointsTheWholeWAL() async throws {
        let t = try TempDatabase()
        _ = try await makeClass(t, objects: 500)
        let config = t.db.config
        try t.db.close()
        let wal = (config.dataPath as NSString).appendingPathComponent("iris.sqlite-wal")
        let size = (try? FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int) ?? 0
        XCTAssertEqual(size, 0, "a clean close must leave no commit only in the WAL")
        t.db = try Database(config: config)
        await XCTAssertEqualAsync(try await t.db.count(className: "C"), 500)
    }

    func testAnIndexThatHasSeenChangesTheStoreLostIsRefused() async throws {
        let t = try TempDatabase()
        _ = try await makeClass(t, objects: 20)
        let config = t.db.config
        try t.db.close()
        // What a lost WAL tail looks like from the store's side: the change log ends earlier than the
        // snapshot's covered sequence.
        let store = try Store(directory: config.dataPath)
        try await store.pool.write { db in
            try db.execute(sql: "DELETE FROM obj_1 WHERE doc_id > 10")
            try db.execute(sql: "UPDATE sqlite_sequence SET seq = 10 WHERE name = 'changes'")
        }
        try store.close()
        t.db = nil
        XCTAssertThrowsError(try Database(config: config)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("class 'C': its vector index holds changes up to sequence 20"), message)
            XCTAssertTrue(message.contains("iris store recover --data-path \(config.dataPath)"), message)
        }
        let inspection = Database.inspect(config: config, logger: .init(label: "test"))
        XCTAssertEqual(inspection.problems.count, 1)
        XCTAssertTrue(inspection.problems[0].contains("lost acknowledged writes"), "\(inspection.problems)")

        // Recovery accepts the loss: the ten readable objects are kept and the index agrees with them.
        let report = try Database.recover(config: config, logger: .init(label: "test"))
        XCTAssertEqual(report.tables.first { $0.table == "obj_1" }?.rowsCopied, 10)
        t.db = try Database(config: config)
        await XCTAssertEqualAsync(try await t.db.count(className: "C"), 10)
        XCTAssertEqual(t.db.vectorIndex(ofClass: "C")?.count, 10)
        XCTAssertEqual(Database.inspect(config: config, logger: .init(label: "test")).problems, [])
    }

    /// Wherever SQLite meets a malformed page (the whole-file check, or a read while the indexes open),
    /// `iris store check` reports damage, never just "cannot be read" or SQLite's bare error.
    func testMalformedPagesAreReportedAsDamageByTheCheck() async throws {
        // Every page of the second half (object rows and vectors) overwritten.
        try await assertDamageIsNamed { pages in pages / 2 }
    }

    /// Damage that reaches the schema pages fails the open itself (GRDB reads them while opening the
    /// pool); the refusal still names the way out.
    func testDamageUnderTheSchemaIsRefusedWithTheWayOut() async throws {
        try await assertDamageIsNamed { _ in 1 }  // all but the file header page
    }

    func assertDamageIsNamed(firstDamagedPage: (Int) -> Int, file: StaticString = #filePath, line: UInt = #line) async throws {
        let t = try TempDatabase()
        _ = try await makeClass(t, objects: 2000)
        let config = t.db.config
        try t.db.close()
        t.db = nil
        let path = (config.dataPath as NSString).appendingPathComponent("iris.sqlite")
        let size = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: path))
        for page in firstDamagedPage(size / 4096)..<(size / 4096) {
            try handle.seek(toOffset: UInt64(page * 4096))
            try handle.write(contentsOf: Data(repeating: UInt8(truncatingIfNeeded: page &* 37 | 1), count: 4096))
        }
        try handle.close()
        let problems = Database.inspect(config: config, logger: .init(label: "test")).problems
        XCTAssertFalse(problems.isEmpty, file: file, line: line)
        XCTAssertTrue(problems.joined().contains("damaged"), "\(problems)", file: file, line: line)
        XCTAssertTrue(problems.joined().contains("iris store recover"), "\(problems)", file: file, line: line)
        // Serving: either the open refuses with the way out, or it serves what is readable and refuses
        // writes as damaged; never a bare SQLite error.
        do {
            let db = try Database(config: config)
            await db.awaitStartupCheck()
            guard case .damaged(let why) = db.storageCondition else { return XCTFail("\(db.storageCondition)", file: file, line: line) }
            XCTAssertTrue(why.contains("iris store recover"), why, file: file, line: line)
            try? db.close()
        } catch {
            XCTAssertTrue("\(error)".contains("iris store recover"), "\(error)", file: file, line: line)
        }
    }

    func testAnIndexThatDisagreesWithAnIntactStoreIsRebuilt() async throws {
        let t = try TempDatabase()
        let objects = try await makeClass(t, objects: 30)
        try t.db.persistIndexes()
        let config = t.db.config
        let snapshot = t.db.snapshotPath(classID: t.db.state("C")!.id)
        // A vector changed behind the index's back (e.g. a snapshot restored from elsewhere).
        try await t.db.store.pool.write { db in
            try db.execute(sql: "UPDATE obj_1 SET vector = ? WHERE doc_id = 3", arguments: [VectorCoding.encode([Float](repeating: 0.5, count: 8))])
        }
        t.db = nil  // a crash: nothing is persisted at close
        XCTAssertTrue(FileManager.default.fileExists(atPath: snapshot))
        // A class with fewer objects than the sample (64) has every vector compared.
        t.db = try Database(config: config)
        let hit = try await t.db.vectorSearch(className: "C", vector: [Float](repeating: 0.5, count: 8), k: 1).first
        XCTAssertEqual(hit?.distance ?? 1, 0, accuracy: 1e-6)
        XCTAssertEqual(t.db.vectorIndex(ofClass: "C")?.count, objects.count)
    }

    func testWritesAreRefusedWith503WhileTheStoreRefusesThem() async throws {
        let t = try TempDatabase()
        _ = try await makeClass(t, objects: 1)
        t.db.setStorageCondition(.readOnly("the disk is full"))
        await XCTAssertThrowsDatabaseError(try await t.db.batchObjects([ObjectInput(className: "C", vector: [1, 2, 3, 4, 5, 6, 7, 8])]),
                                           .unavailable, "the store refuses writes: the disk is full")
        await XCTAssertThrowsDatabaseError(try await t.db.createClass(ClassDefinition(className: "D")),
                                           .unavailable, "the store refuses writes: the disk is full")
        await XCTAssertEqualAsync(try await t.db.count(className: "C"), 1)  // reads still answer
        t.db.recheckStorage()  // the probe finds the disk writable again
        XCTAssertEqual(t.db.storageCondition, .writable)
        _ = try await t.db.createClass(ClassDefinition(className: "D"))
    }

    func testDiskUsageAboveTheReadOnlyPercentageRefusesWrites() throws {
        var config = DatabaseConfig(dataPath: NSTemporaryDirectory(), snapshotIntervalSeconds: nil)
        config.diskUseReadOnlyPercentage = 0.000_001
        guard case .readOnly(let why) = Database.probeStorage(config) else { return XCTFail("expected read-only") }
        XCTAssertTrue(why.contains("DISK_USE_READONLY_PERCENTAGE"), why)
        config.diskUseReadOnlyPercentage = 100.1
        XCTAssertEqual(Database.probeStorage(config), .writable)
    }
}
