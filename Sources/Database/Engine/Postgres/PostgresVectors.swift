import Foundation
import PostgresStore
import Storage
import VectorIndex

/// Everything the PostgreSQL engine does with vectors, in one place: each named vector's pgvector column
/// (`vector` for lane 0, `vector_<n>` for the others) and its dimension, kNN, and the conversions between
/// the Database's vectors and pgvector's. The columns' HNSW indexes are `PostgresIndexBuilder`'s.
enum PostgresVectors {
    /// pgvector's operators for the class's distance; hamming has none for float vectors.
    static func distance(_ config: HNSWConfig) throws -> PGDistance {
        guard let d = PGDistance(rawValue: config.distance.rawValue) else {
            throw DatabaseError.unprocessable("distance \(config.distance.rawValue) is not supported by the PostgreSQL storage engine")
        }
        return d
    }

    /// The vector a row stores: `vector` as the write pipeline computed it (also encoded in `row.vector`).
    static func stored(vector: [Float]?, row: ObjectRow) -> [Float]? {
        vector ?? row.vector.map(VectorCoding.decode)
    }

    /// The Database's encoding (little-endian Float32) of a vector read from pgvector.
    static func encode(_ v: [Float]) -> Data { VectorCoding.encode(v) }

    /// Fixes the class's dimension in `iris_classes` and types the vector column of each of its shard
    /// tables, in the first vector's transaction (pgvector's metric for the class is checked here). The class row is locked first, so
    /// two first writes of different classes' shards do not both alter; the later one finds the dimension
    /// set (the same: nothing to do; another: Weaviate's length error).
    static func setDimension(_ c: BlockingConnection, _ shard: ClassState, _ dimension: Int) throws {
        let cls = shard.classState
        guard let row = try c.query("SELECT dimension FROM iris_classes WHERE id = $1 FOR UPDATE", [.integer(cls.id)]).first else {
            throw DatabaseError.notFound("class '\(cls.name)' not found")
        }
        if let existing = try row.decode(Int32?.self) {
            if Int(existing) == dimension { return }
            throw DatabaseError.unprocessable("new node has a vector with length \(dimension). Existing nodes have vectors with length \(existing)")
        }
        _ = try distance(cls.definition.hnswConfig())
        try c.query("UPDATE iris_classes SET dimension = $1 WHERE id = $2", [.integer(Int64(dimension)), .integer(cls.id)])
        for id in shardIDs(of: cls) { try typeColumn(c, shard: id, dimension: dimension) }
    }

    /// The first vector of a further named vector (`lane` ≥ 1): as `setDimension`, with the column's
    /// type (pgvector's dimension) as the record, since `iris_classes.dimension` is lane 0's.
    static func setDimension(_ c: BlockingConnection, _ shard: ClassState, lane: Int, _ dimension: Int) throws {
        let cls = shard.classState
        try c.query("SELECT 1 FROM iris_classes WHERE id = $1 FOR UPDATE", [.integer(cls.id)])
        if let existing = try PGShardTables.vectorDimension(c, shard: cls.id, lane: lane) {
            if existing == dimension { return }
            throw DatabaseError.unprocessable("new node has a vector with length \(dimension). Existing nodes have vectors with length \(existing)")
        }
        _ = try distance(cls.definition.lane(lane).hnswConfig())
        for id in shardIDs(of: cls) { try typeColumn(c, shard: id, lane: lane, dimension: dimension) }
    }

    /// A new tenant's shard table gets the column type of each named vector whose dimension the class has
    /// fixed.
    static func typeKnownLanes(_ c: BlockingConnection, shard: Int64, of cls: ClassState) throws {
        for lane in 0..<cls.definition.laneCount {
            guard let dimension = try PGShardTables.vectorDimension(c, shard: cls.id, lane: lane) else { continue }
            try typeColumn(c, shard: shard, lane: lane, dimension: dimension)
        }
    }

    /// Types the vector column of one named vector of one shard table. Its HNSW index is built once writes
    /// pause (`PostgresIndexBuilder`).
    static func typeColumn(_ c: BlockingConnection, shard: Int64, lane: Int = 0, dimension: Int) throws {
        do {
            try PGShardTables.setVectorType(c, shard: shard, lane: lane, dimension: dimension)
        } catch let e as PostgresStoreError {
            throw DatabaseError.unprocessable(e.description)
        }
    }

    /// Every shard table of a class: its own, and each tenant's (COLD ones too).
    static func shardIDs(of cls: ClassState) -> [Int64] {
        [cls.id] + cls.tenants.values.map(\.shardID).sorted(by: >)
    }

    /// kNN in one statement (design §3), with Weaviate's dynamic ef from the named vector's vectorIndexConfig.
    static func nearest(_ store: PostgresStore, _ shard: ClassState, lane: Int, to vector: [Float], k: Int, maxDistance: Float?,
                        allowList: AllowList?) async throws -> [SearchResult] {
        let config = try shard.definition.lane(lane).hnswConfig()
        let ef = config.searchEf(k: k)
        let hits = try await PGVectorSearch.nearest(store, shard: shard.id, lane: lane, vector: vector, k: k, ef: ef,
                                                    distance: try distance(config), allowDocIDs: allowList.map { Array($0.ids) },
                                                    maxDistance: maxDistance)
        return hits.map { SearchResult(id: $0.docID, distance: $0.distance) }
    }
}
