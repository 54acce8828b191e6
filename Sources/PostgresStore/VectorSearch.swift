import Foundation
import PostgresNIO

/// kNN through pgvector's HNSW index, in one statement (design §3).
public enum PGVectorSearch {
    public struct Hit: Sendable, Equatable {
        public var docID: UInt64
        public var uuid: String
        /// In Weaviate's terms for the class's distance.
        public var distance: Float
    }

    /// The `k` nearest rows with a vector in the column of `lane`, closest first, optionally restricted by a condition in the
    /// PostgreSQL dialect (`arguments` bound from `$1`; the query vector is bound after them), by a list of
    /// doc ids, and to a Weaviate distance of at most `maxDistance`. With a restriction, or more rows wanted
    /// than pgvector's largest ef_search (1,000), pgvector 0.8's iterative scan keeps looking until k rows
    /// pass (`relaxed_order`: the rows come nearly sorted, so they are re-sorted here). Runs in its own
    /// transaction for `SET LOCAL`.
    public static func nearest(_ store: PostgresStore, shard: Int64, lane: Int = 0, vector: [Float], k: Int, ef: Int,
                               distance: PGDistance, condition: String? = nil, arguments: [PGValue] = [],
                               allowDocIDs: [UInt64]? = nil, maxDistance: Float? = nil) async throws -> [Hit] {
        guard k > 0 else { return [] }
        if let allowDocIDs, allowDocIDs.isEmpty { return [] }
        return try await store.withTransaction { c in
            var values = arguments
            values.append(.text(PGObjectRows.vectorText(vector)))
            let column = PGShardTables.vectorColumn(lane)
            let d = "\(column) \(distance.sqlOperator) $\(values.count)::vector"
            var conditions = ["\(column) IS NOT NULL"]
            if let condition { conditions.append("(\(condition))") }
            if let allowDocIDs {
                values.append(.integers(allowDocIDs.map { Int64(bitPattern: $0) }))
                conditions.append("doc_id = ANY($\(values.count))")
            }
            if let maxDistance {
                // Two float32 ulps of slack: pgvector sums in float32 in another order than the client that
                // picked the threshold, and a vector at exactly the threshold must not fall out by the last
                // bit (nor by l2's square root).
                let limit = distance.pgvector(maxDistance)
                values.append(.real(limit + abs(limit) * 2.5e-7))
                conditions.append("(\(d)) <= $\(values.count)")
            }
            // SET does not take bound values; ef is an integer Iris computed.
            try await c.exec("SET LOCAL hnsw.ef_search = \(max(1, min(ef, 1000)))")
            // The planner prices a sequential scan by the heap alone, where 512-d vectors are out of line
            // (TOAST), and a large m=64 graph's index scan above it: at 100,000 rows it chose exact scans
            // (400 ms a query) over the index. A search is meant to use the index whenever it exists;
            // without one (still being built) this changes nothing.
            try await c.exec("SET LOCAL enable_seqscan = off")
            if conditions.count > 1 || k > 1000 { try await c.exec("SET LOCAL hnsw.iterative_scan = relaxed_order") }
            let sql = "SELECT doc_id, uuid, (\(d))::float8 FROM \(PGShardTables.objects(shard)) WHERE "
                + conditions.joined(separator: " AND ") + " ORDER BY \(d) LIMIT \(k)"
            var hits: [Hit] = []
            for try await (doc, uuid, raw) in try await c.exec(sql, values).decode((Int64, String, Double).self) {
                hits.append(Hit(docID: UInt64(bitPattern: doc), uuid: uuid, distance: distance.weaviate(raw)))
            }
            hits.sort { $0.distance != $1.distance ? $0.distance < $1.distance : $0.docID < $1.docID }
            return hits
        }
    }
}
