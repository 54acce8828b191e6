import Foundation
import XCTest
@testable import VectorIndex

final class HNSWMutationTests: XCTestCase {
    func config(_ metric: DistanceMetric = .l2Squared, cutoff: Int = 40_000) -> HNSWConfig {
        var c = HNSWConfig()
        c.distance = metric
        c.maxConnections = 16
        c.efConstruction = 100
        c.ef = 128
        c.flatSearchCutoff = cutoff
        return c
    }

    func testDeletesUpdatesAndCleanupKeepRecall() throws {
        let n = 2000
        let data = clusteredData(count: n, dim: 16, seed: 7)
        let index = try HNSWIndex(config: config(), backgroundCleanup: false)
        for (i, v) in data.enumerated() { try index.upsert(id: UInt64(i), vector: v, sequence: UInt64(i)) }
        // Delete two thirds, in one region-independent pattern.
        var liveIds = [UInt64](), liveData = [[Float]]()
        for i in 0..<n {
            if i % 3 != 0 { index.delete(id: UInt64(i), sequence: UInt64(n + i)) } else { liveIds.append(UInt64(i)); liveData.append(data[i]) }
        }
        XCTAssertEqual(index.count, liveIds.count)
        XCTAssertEqual(index.tombstoneCount, n - liveIds.count)
        let queries = clusteredData(count: 30, dim: 16, seed: 8)
        for q in queries.prefix(5) {
            XCTAssertTrue(index.search(q, k: 10, allowList: nil).allSatisfy { $0.id % 3 == 0 }, "a deleted id was returned")
        }
        index.cleanup()
        XCTAssertEqual(index.tombstoneCount, 0)
        let afterCleanup = recall(index, metric: .l2Squared, data: liveData, ids: liveIds, queries: queries, k: 10)
        XCTAssertGreaterThanOrEqual(afterCleanup, 0.95, "recall after cleanup \(afterCleanup)")

        // Updates (delete + insert) moving every live vector, then new inserts reusing freed slots.
        let moved = clusteredData(count: liveIds.count, dim: 16, seed: 9)
        for (i, id) in liveIds.enumerated() { try index.upsert(id: id, vector: moved[i], sequence: UInt64(3 * n + i)) }
        let extra = clusteredData(count: 1000, dim: 16, seed: 10)
        for (i, v) in extra.enumerated() { try index.upsert(id: UInt64(10_000 + i), vector: v, sequence: UInt64(5 * n + i)) }
        index.cleanup()
        let allIds = liveIds + (0..<1000).map { UInt64(10_000 + $0) }
        let allData = moved + extra
        XCTAssertEqual(index.count, allIds.count)
        let final = recall(index, metric: .l2Squared, data: allData, ids: allIds, queries: queries, k: 10)
        XCTAssertGreaterThanOrEqual(final, 0.95, "recall after updates \(final)")
        // Replaying an identical upsert is a no-op (no tombstone).
        try index.upsert(id: allIds[0], vector: allData[0], sequence: 99_999)
        XCTAssertEqual(index.tombstoneCount, 0)
        XCTAssertEqual(index.coveredSequence, 99_999)
        // Deleting everything empties the index cleanly.
        for id in allIds { index.delete(id: id, sequence: 100_000) }
        index.cleanup()
        XCTAssertEqual(index.count, 0)
        XCTAssertEqual(index.search(queries[0], k: 5, allowList: nil), [])
        try index.upsert(id: 1, vector: queries[0], sequence: 100_001)
        XCTAssertEqual(index.search(queries[0], k: 5, allowList: nil).map(\.id), [1])
    }

    func testInsertsAfterDeletingEverythingStayReachable() throws {
        let data = clusteredData(count: 600, dim: 8, seed: 41)
        let index = try HNSWIndex(config: config(), backgroundCleanup: false)
        for i in 0..<300 { try index.upsert(id: UInt64(i), vector: data[i], sequence: 1) }
        for i in 0..<300 { index.delete(id: UInt64(i), sequence: 2) }
        // No cleanup yet: the graph is all tombstones; new nodes must still be found.
        for i in 300..<600 { try index.upsert(id: UInt64(i), vector: data[i], sequence: 3) }
        let ids = (300..<600).map { UInt64($0) }
        let live = Array(data[300..<600])
        let queries = clusteredData(count: 20, dim: 8, seed: 42)
        XCTAssertGreaterThanOrEqual(recall(index, metric: .l2Squared, data: live, ids: ids, queries: queries, k: 10), 0.95)
        index.cleanup()
        XCTAssertGreaterThanOrEqual(recall(index, metric: .l2Squared, data: live, ids: ids, queries: queries, k: 10), 0.95)
    }

    func testFilteredSearchBelowAndAboveCutoff() throws {
        let n = 2000
        let data = clusteredData(count: n, dim: 16, seed: 11)
        let ids = (0..<n).map { UInt64($0) }
        let queries = clusteredData(count: 20, dim: 16, seed: 12)
        // Below the cutoff: exact over the allow-list.
        let small = Set(ids.filter { $0 % 20 == 0 })
        let exact = try HNSWIndex(config: config(cutoff: 40_000), backgroundCleanup: false)
        for (i, v) in data.enumerated() { try exact.upsert(id: ids[i], vector: v, sequence: 1) }
        XCTAssertEqual(recall(exact, metric: .l2Squared, data: data, ids: ids, queries: queries, k: 10, allowed: small), 1.0)
        // Above the cutoff: graph search that only collects allowed ids.
        let graph = try HNSWIndex(config: config(cutoff: 100), backgroundCleanup: false)
        for (i, v) in data.enumerated() { try graph.upsert(id: ids[i], vector: v, sequence: 1) }
        let half = Set(ids.filter { $0 % 2 == 0 })
        for q in queries { XCTAssertTrue(graph.search(q, k: 10, allowList: AllowList(half)).allSatisfy { half.contains($0.id) }) }
        let r = recall(graph, metric: .l2Squared, data: data, ids: ids, queries: queries, k: 10, allowed: half)
        XCTAssertGreaterThanOrEqual(r, 0.95, "filtered recall \(r)")
        // Ids in the allow-list that are not in the index are ignored.
        XCTAssertEqual(exact.search(queries[0], k: 3, allowList: AllowList([999_999, 4])).map(\.id), [4])
    }

    func testSearchByDistanceGrowsPastFirstRounds() throws {
        let n = 4000
        let data = clusteredData(count: n, dim: 8, clusters: 4, spread: 0.5, seed: 13)
        let index = try HNSWIndex(config: config(), backgroundCleanup: false)
        let flat = FlatIndex(metric: .l2Squared)
        for (i, v) in data.enumerated() {
            try index.upsert(id: UInt64(i), vector: v, sequence: 1)
            try flat.upsert(id: UInt64(i), vector: v, sequence: 1)
        }
        let q = data[0]
        // A threshold that admits ~1500 vectors needs rounds k = 100, 1100, 11100.
        let all = flat.search(q, k: n, allowList: nil)
        let threshold = all[1500].distance
        let truth = Set(all.filter { $0.distance <= threshold + 1e-6 }.map(\.id))
        let got = index.search(q, maxDistance: threshold, limit: 10_000, allowList: nil)
        XCTAssertTrue(got.allSatisfy { $0.distance <= threshold + 1e-6 })
        XCTAssertEqual(got.map(\.distance), got.map(\.distance).sorted())
        XCTAssertGreaterThanOrEqual(Double(Set(got.map(\.id)).intersection(truth).count) / Double(truth.count), 0.95)
        XCTAssertEqual(index.search(q, maxDistance: threshold, limit: 250, allowList: nil).count, 250)
        XCTAssertEqual(flat.search(q, maxDistance: threshold, limit: 10_000, allowList: nil).count, truth.count)
    }

    func testConcurrentInsertsAndSearches() throws {
        let n = 2500
        let data = clusteredData(count: n, dim: 16, seed: 21)
        let index = try HNSWIndex(config: config(), initialCapacity: 64, backgroundCleanup: false)
        let queries = clusteredData(count: 20, dim: 16, seed: 22)
        // Writers grow the buffers several times while readers search.
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            if worker < 2 {
                for i in stride(from: worker, to: n, by: 2) { try! index.upsert(id: UInt64(i), vector: data[i], sequence: UInt64(i)) }
            } else {
                for round in 0..<200 {
                    let hits = index.search(queries[round % queries.count], k: 10, allowList: nil)
                    XCTAssertTrue(hits.allSatisfy { $0.id < UInt64(n) })
                    if round % 50 == 0 { index.delete(id: UInt64(round), sequence: 0) }
                }
            }
        }
        let deleted = Set((0..<200).filter { $0 % 50 == 0 }.map { UInt64($0) })
        XCTAssertEqual(index.count, n - deleted.count)
        let ids = (0..<n).map { UInt64($0) }.filter { !deleted.contains($0) }
        let live = ids.map { data[Int($0)] }
        let r = recall(index, metric: .l2Squared, data: live, ids: ids, queries: queries, k: 10)
        XCTAssertGreaterThanOrEqual(r, 0.95, "recall after concurrent build \(r)")
        // A parallel bulk insert gives the same quality.
        let bulk = try HNSWIndex(config: config(), backgroundCleanup: false)
        let errors = bulk.apply(data.enumerated().map { VectorChange(id: UInt64($0.offset), vector: $0.element) }, through: 7, threads: 2)
        XCTAssertTrue(errors.allSatisfy { $0 == nil })
        XCTAssertEqual(bulk.count, n)
        XCTAssertEqual(bulk.coveredSequence, 7)
        XCTAssertGreaterThanOrEqual(recall(bulk, metric: .l2Squared, data: data, ids: (0..<n).map { UInt64($0) }, queries: queries, k: 10), 0.95)
    }

    func testBackgroundCleanupRuns() throws {
        var c = config()
        c.cleanupIntervalSeconds = 1
        let index = try HNSWIndex(config: c)
        for (i, v) in clusteredData(count: 200, dim: 4).enumerated() { try index.upsert(id: UInt64(i), vector: v, sequence: 1) }
        for i in 0..<100 { index.delete(id: UInt64(i), sequence: 2) }
        XCTAssertEqual(index.tombstoneCount, 100)
        let deadline = Date().addingTimeInterval(5)
        while index.tombstoneCount > 0 && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertEqual(index.tombstoneCount, 0)
        XCTAssertEqual(index.count, 100)
    }
}
