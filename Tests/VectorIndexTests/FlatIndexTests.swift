import XCTest
@testable import VectorIndex

final class FlatIndexTests: XCTestCase {
    func testExactForEveryMetric() throws {
        let data = clusteredData(count: 300, dim: 12)
        let ints = integerData(count: 300, dim: 12)
        let ids = (0..<300).map { UInt64($0 * 7 + 1) }
        for metric in DistanceMetric.allCases {
            let set = metric == .hamming ? ints : data
            let index = FlatIndex(metric: metric)
            for (i, v) in set.enumerated() { try index.upsert(id: ids[i], vector: v, sequence: UInt64(i + 1)) }
            XCTAssertEqual(index.count, 300)
            XCTAssertEqual(index.coveredSequence, 300)
            let r = recall(index, metric: metric, data: set, ids: ids, queries: Array(set.prefix(10)), k: 10)
            XCTAssertEqual(r, 1.0, "\(metric)")
            // Distances are the reference's.
            let hit = index.search(set[5], k: 3, allowList: nil)
            for h in hit {
                let v = set[ids.firstIndex(of: h.id)!]
                XCTAssertEqual(h.distance, referenceDistance(metric, set[5], v), accuracy: 1e-3, "\(metric)")
            }
        }
    }

    func testDeleteUpdateAllowListAndErrors() throws {
        let index = FlatIndex(metric: .l2Squared)
        try index.upsert(id: 1, vector: [0, 0], sequence: 1)
        try index.upsert(id: 2, vector: [1, 0], sequence: 2)
        try index.upsert(id: 3, vector: [5, 5], sequence: 3)
        XCTAssertEqual(index.search([0, 0], k: 2, allowList: nil).map(\.id), [1, 2])
        index.delete(id: 1, sequence: 4)
        XCTAssertEqual(index.search([0, 0], k: 2, allowList: nil).map(\.id), [2, 3])
        try index.upsert(id: 3, vector: [0.1, 0], sequence: 5)  // update moves it
        XCTAssertEqual(index.search([0, 0], k: 1, allowList: nil).map(\.id), [3])
        XCTAssertEqual(index.search([0, 0], k: 5, allowList: AllowList([2])).map(\.id), [2])
        XCTAssertEqual(index.search([0, 0], maxDistance: 1.0, limit: 100, allowList: nil).map(\.id), [3, 2])
        XCTAssertEqual(index.coveredSequence, 5)
        XCTAssertThrowsError(try index.upsert(id: 9, vector: [1, 2, 3], sequence: 6)) { error in
            XCTAssertEqual(error as? VectorIndexError, .dimensionMismatch(expected: 2, got: 3))
        }
        XCTAssertThrowsError(try index.upsert(id: 9, vector: [], sequence: 6))
        XCTAssertThrowsError(try index.upsert(id: 9, vector: [.nan, 1], sequence: 6))
        XCTAssertEqual(index.search([1, 2, 3], k: 1, allowList: nil), [])  // wrong query length: no hits
        XCTAssertEqual(index.search([0, 0], k: Int.max, allowList: nil).count, 2)
        XCTAssertEqual(index.search([0, 0], maxDistance: .infinity, limit: Int.max, allowList: nil).count, 2)
    }

    func testPersistRoundTripAndCorruption() throws {
        let path = temporaryPath("flat.snapshot")
        let data = clusteredData(count: 200, dim: 8)
        let index = FlatIndex(metric: .cosine, snapshotPath: path)
        for (i, v) in data.enumerated() { try index.upsert(id: UInt64(i), vector: v, sequence: UInt64(i + 10)) }
        index.delete(id: 3, sequence: 500)
        try index.persist()
        let loaded = try FlatIndex.load(snapshotPath: path)
        XCTAssertEqual(loaded.count, 199)
        XCTAssertEqual(loaded.coveredSequence, 500)
        XCTAssertEqual(loaded.metric, .cosine)
        for q in data.prefix(5) {
            XCTAssertEqual(loaded.search(q, k: 5, allowList: nil), index.search(q, k: 5, allowList: nil))
        }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try FlatIndex.load(snapshotPath: path)) { error in
            guard case .corruptSnapshot = error as? VectorIndexError else { return XCTFail("\(error)") }
        }
    }
}
