import Foundation
import XCTest
@testable import VectorIndex

final class HNSWPersistenceTests: XCTestCase {
    func testRoundTripKeepsGraphTombstonesAndSequence() throws {
        let path = temporaryPath("hnsw.snapshot")
        var c = HNSWConfig()
        c.maxConnections = 8
        c.efConstruction = 40
        c.distance = .cosine
        let data = clusteredData(count: 1500, dim: 12, seed: 31)
        let index = try HNSWIndex(config: c, snapshotPath: path, backgroundCleanup: false)
        for (i, v) in data.enumerated() { try index.upsert(id: UInt64(i), vector: v, sequence: UInt64(i + 1)) }
        for i in 0..<100 { index.delete(id: UInt64(i), sequence: UInt64(2000 + i)) }
        try index.persist()
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".tmp"))
        // An unchanged index does not rewrite its snapshot (each write renames a new file into place).
        func inode() throws -> Int { try (FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as! NSNumber).intValue }
        let first = try inode()
        try index.persist()
        XCTAssertEqual(try inode(), first)

        var loadConfig = c
        loadConfig.ef = 77  // mutable settings come from the caller
        let loaded = try HNSWIndex.load(snapshotPath: path, config: loadConfig, backgroundCleanup: false)
        XCTAssertEqual(loaded.count, 1400)
        XCTAssertEqual(loaded.tombstoneCount, 100)
        XCTAssertEqual(loaded.coveredSequence, 2099)
        XCTAssertEqual(loaded.config.ef, 77)
        var same = c
        same.ef = 77
        try index.update(config: same)
        for q in clusteredData(count: 10, dim: 12, seed: 32) {
            XCTAssertEqual(loaded.search(q, k: 10, allowList: nil), index.search(q, k: 10, allowList: nil))
        }
        // The loaded index keeps working: inserts, cleanup, another snapshot.
        try loaded.upsert(id: 50_000, vector: data[0], sequence: 3000)
        loaded.cleanup()
        XCTAssertEqual(loaded.search(data[0], k: 1, allowList: nil).first?.id, 50_000)
        try loaded.persist()
        let again = try VectorIndexes.load(snapshotPath: path, config: c)
        XCTAssertEqual(again.count, 1401)
        XCTAssertEqual(again.coveredSequence, 3000)

        // Distance mismatch with the class config is reported.
        var dot = c
        dot.distance = .dot
        XCTAssertThrowsError(try HNSWIndex.load(snapshotPath: path, config: dot))
    }

    func testEmptyIndexRoundTrip() throws {
        let path = temporaryPath("empty.snapshot")
        let index = try HNSWIndex(config: HNSWConfig(), snapshotPath: path, backgroundCleanup: false)
        index.delete(id: 4, sequence: 12)
        try index.persist()
        let loaded = try HNSWIndex.load(snapshotPath: path, config: HNSWConfig(), backgroundCleanup: false)
        XCTAssertEqual(loaded.count, 0)
        XCTAssertEqual(loaded.coveredSequence, 12)
        try loaded.upsert(id: 1, vector: [1, 2], sequence: 13)
        XCTAssertEqual(loaded.search([1, 2], k: 1, allowList: nil).first?.id, 1)
    }

    /// `markCovered` advances only the covered sequence, never backwards, and a snapshot (of either kind,
    /// empty or not, even one already written at the old sequence) keeps the new value.
    func testMarkCoveredIsKeptBySnapshotRoundTrip() throws {
        for skip in [false, true] {
            var c = HNSWConfig()
            c.skip = skip
            let emptyPath = temporaryPath("covered-empty.snapshot")
            let empty = try VectorIndexes.make(config: c, snapshotPath: emptyPath)
            empty.markCovered(upTo: 41)
            empty.markCovered(upTo: 7)  // never moves back
            XCTAssertEqual(empty.coveredSequence, 41, "skip=\(skip)")
            try empty.persist()
            let loadedEmpty = try VectorIndexes.load(snapshotPath: emptyPath, config: c)
            XCTAssertEqual(loadedEmpty.coveredSequence, 41, "skip=\(skip)")
            XCTAssertEqual(loadedEmpty.count, 0, "skip=\(skip)")

            let path = temporaryPath("covered.snapshot")
            let index = try VectorIndexes.make(config: c, snapshotPath: path)
            for (i, v) in clusteredData(count: 50, dim: 6, seed: 5).enumerated() {
                try index.upsert(id: UInt64(i + 1), vector: v, sequence: UInt64(i + 1))
            }
            try index.persist()
            index.markCovered(upTo: 90)  // after a snapshot: the next persist must rewrite it
            try index.persist()
            let loaded = try VectorIndexes.load(snapshotPath: path, config: c)
            XCTAssertEqual(loaded.coveredSequence, 90, "skip=\(skip)")
            XCTAssertEqual(loaded.count, 50, "skip=\(skip)")
            let q = clusteredData(count: 1, dim: 6, seed: 6)[0]
            XCTAssertEqual(loaded.search(q, k: 5, allowList: nil), index.search(q, k: 5, allowList: nil), "skip=\(skip)")
            try loaded.upsert(id: 99, vector: q, sequence: 91)
            XCTAssertEqual(loaded.coveredSequence, 91, "skip=\(skip)")
        }
    }

    func testCorruptTruncatedAndMissingSnapshotsAreReported() throws {
        let path = temporaryPath("bad.snapshot")
        let index = try HNSWIndex(config: HNSWConfig(), snapshotPath: path, backgroundCleanup: false)
        for (i, v) in clusteredData(count: 300, dim: 8).enumerated() { try index.upsert(id: UInt64(i), vector: v, sequence: 1) }
        try index.persist()
        let good = try Data(contentsOf: URL(fileURLWithPath: path))

        func expectCorrupt(_ bytes: Data, _ what: String) throws {
            try bytes.write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try HNSWIndex.load(snapshotPath: path, config: HNSWConfig()), what) { error in
                guard case .corruptSnapshot = error as? VectorIndexError else { return XCTFail("\(what): \(error)") }
            }
        }
        var flipped = good
        flipped[good.count - 5000] ^= 0x40
        try expectCorrupt(flipped, "bit flip")
        try expectCorrupt(good.prefix(good.count - 1), "truncated by one byte")
        try expectCorrupt(good.prefix(good.count / 2), "torn in the middle")
        try expectCorrupt(Data(), "empty file")
        var header = good
        header[20] ^= 0x01
        try expectCorrupt(header, "header damage")

        try FileManager.default.removeItem(atPath: path)
        XCTAssertThrowsError(try HNSWIndex.load(snapshotPath: path, config: HNSWConfig()))
        let (fresh, err) = try VectorIndexes.openOrCreate(config: HNSWConfig(), snapshotPath: path)
        XCTAssertNil(err)
        XCTAssertEqual(fresh.count, 0)
        try good.prefix(100).write(to: URL(fileURLWithPath: path))
        let (rebuilt, loadError) = try VectorIndexes.openOrCreate(config: HNSWConfig(), snapshotPath: path)
        XCTAssertNotNil(loadError)
        XCTAssertEqual(rebuilt.count, 0)
    }
}
