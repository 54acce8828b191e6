import XCTest
@testable import VectorIndex

final class HNSWRecallTests: XCTestCase {
    func makeConfig(_ metric: DistanceMetric, m: Int = 16, efC: Int = 100, ef: Int = 64) -> HNSWConfig {
        var c = HNSWConfig()
        c.distance = metric
        c.maxConnections = m
        c.efConstruction = efC
        c.ef = ef
        return c
    }

    func testRecallAgainstExactForEveryMetric() throws {
        let n = 1000
        let ids = (0..<n).map { UInt64($0) * 3 + 5 }
        for metric in DistanceMetric.allCases {
            let data = testData(metric, count: n, seed: 1)
            let index = try HNSWIndex(config: makeConfig(metric), backgroundCleanup: false)
            for (i, v) in data.enumerated() { try index.upsert(id: ids[i], vector: v, sequence: UInt64(i + 1)) }
            XCTAssertEqual(index.count, n)
            let queries = testData(metric, count: 30, seed: 99)
            let r = recall(index, metric: metric, data: data, ids: ids, queries: queries, k: 10)
            XCTAssertGreaterThanOrEqual(r, 0.95, "\(metric) recall \(r)")
            // Reported distances are the metric's (cosine on the normalised copies).
            let hit = try XCTUnwrap(index.search(queries[0], k: 1, allowList: nil).first)
            let v = data[ids.firstIndex(of: hit.id)!]
            XCTAssertEqual(hit.distance, referenceDistance(metric, queries[0], v), accuracy: 1e-3, "\(metric)")
        }
    }

    /// Hamming needs repeated values; dot (not a metric) is searched on vectors of similar norm,
    /// the case it is meant for (and where HNSW's triangle-inequality intuition holds).
    func testData(_ metric: DistanceMetric, count: Int, seed: UInt64) -> [[Float]] {
        switch metric {
        case .hamming: return integerData(count: count, dim: 24, seed: seed)
        case .dot:
            var rng = TestRNG(seed: seed + 1000)
            return clusteredData(count: count, dim: 16, seed: seed).map { v in
                let scale = Float.random(in: 0.9...1.1, using: &rng)
                return DistanceKernel.normalised(v).map { $0 * scale }
            }
        default: return clusteredData(count: count, dim: 16, seed: seed)
        }
    }

    func testDynamicEfAndConfigRules() throws {
        let index = try HNSWIndex(config: HNSWConfig(), backgroundCleanup: false)
        var c = HNSWConfig()
        XCTAssertEqual(c.searchEf(k: 10), 100)      // 80 raised to dynamicEfMin
        XCTAssertEqual(c.searchEf(k: 30), 240)
        XCTAssertEqual(c.searchEf(k: 100), 500)     // capped by dynamicEfMax
        XCTAssertEqual(c.searchEf(k: 800), 800)     // never below k
        var huge = c
        huge.dynamicEfFactor = .max                 // k * factor saturates instead of trapping
        XCTAssertEqual(huge.searchEf(k: 10), 500)
        huge.dynamicEfFactor = .min
        XCTAssertEqual(huge.searchEf(k: 10), 100)
        huge.ef = 0                                 // ef below 1 means dynamic, as in Weaviate
        XCTAssertEqual(huge.searchEf(k: 10), 100)
        c.ef = 50
        XCTAssertEqual(c.searchEf(k: 10), 50)
        XCTAssertEqual(c.searchEf(k: 70), 70)
        try index.update(config: c)
        XCTAssertEqual(index.config.ef, 50)
        var bad = c
        bad.maxConnections = 3
        XCTAssertThrowsError(try HNSWIndex(config: bad)) { error in
            XCTAssertEqual("\(error)", "invalid hnsw config: maxConnections must be a positive integer with a minimum of 4")
        }
        bad = c
        bad.distance = .dot
        XCTAssertThrowsError(try index.update(config: bad))
        try index.upsert(id: 1, vector: [1, 2, 3], sequence: 1)
        XCTAssertThrowsError(try index.upsert(id: 2, vector: [1, 2], sequence: 2)) { error in
            XCTAssertEqual(error as? VectorIndexError, .dimensionMismatch(expected: 3, got: 2))
        }
        XCTAssertEqual(index.search([1, 2], k: 1, allowList: nil), [])
        XCTAssertTrue(try VectorIndexes.make(config: { var s = HNSWConfig(); s.skip = true; return s }()) is FlatIndex)
        XCTAssertTrue(try VectorIndexes.make(config: HNSWConfig()) is HNSWIndex)
    }

    func testCosineNormalisesInsertAndQuery() throws {
        let index = try HNSWIndex(config: makeConfig(.cosine), backgroundCleanup: false)
        try index.upsert(id: 1, vector: [10, 0], sequence: 1)
        try index.upsert(id: 2, vector: [0, 0.1], sequence: 2)
        let hits = index.search([3, 3], k: 2, allowList: nil)
        XCTAssertEqual(hits.count, 2)
        XCTAssertEqual(hits[0].distance, Float(1 - 0.5.squareRoot()), accuracy: 1e-5)
        XCTAssertEqual(hits[1].distance, Float(1 - 0.5.squareRoot()), accuracy: 1e-5)
        XCTAssertEqual(index.search([0, 5], k: 1, allowList: nil).first?.id, 2)
        XCTAssertEqual(index.search([0, 5], k: Int.max, allowList: nil).count, 2)
        XCTAssertEqual(index.search([0, 5], maxDistance: 2, limit: Int.max, allowList: nil).count, 2)
    }
}
