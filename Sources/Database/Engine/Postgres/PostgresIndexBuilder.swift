import Foundation
import Logging
import PostgresStore

/// Builds each vector column's pgvector HNSW index once writes to its table pause (design §3, "Building
/// the index"): a bulk import goes into the table alone, and the graph is then built in memory in one
/// `CREATE INDEX CONCURRENTLY`, about ten times faster than pgvector inserting the rows one by one. Until
/// a column has its index, its searches are exact scans (right answers, slower), and `/v1/nodes` shows the
/// shard as `INDEXING` with the rows waiting as `vectorQueueLength`, as Weaviate shows its asynchronous
/// indexing. Once the index exists, later rows go into it as they are written.
///
/// Every node runs one; an advisory lock per index lets one node build it. DDL on a table cancels the
/// builds on it (`PGVectorIndexes.cancelBuilds`), and a cancelled build is started again later.
final class PostgresIndexBuilder: Sendable {
    let store: PostgresStore
    let logger: Logger
    /// How long a table must go without new rows and without writers before its index is built.
    let quiet: Duration
    /// `maintenance_work_mem` for the build: enough for the whole graph keeps it in memory.
    let maintenanceWorkMem: String
    /// The table's activity when first seen unchanged, by shard.
    private let settled = LockedValue<[Int64: (PGVectorIndexes.Activity, ContinuousClock.Instant)]>([:])

    init(store: PostgresStore, logger: Logger, quiet: Duration, maintenanceWorkMem: String) {
        self.store = store
        self.logger = logger
        self.quiet = quiet
        self.maintenanceWorkMem = maintenanceWorkMem
    }

    /// What a build needs of the schema: each shard's named vectors' configs (an index is built only for
    /// a shard this node knows).
    typealias Shards = [Int64: ClassDefinition]

    /// One look at every column without an index; builds the indexes of the tables that have been quiet
    /// long enough (all of them when `force`). Returns how many indexes it built.
    @discardableResult
    func pass(_ shards: Shards, force: Bool = false) async throws -> Int {
        let pending = try await store.withBlockingConnection { c in try PGVectorIndexes.pending(c) }
        var built = 0
        let shardsPending = Set(pending.map(\.shard))
        // Only tables still waiting are watched (a dropped or indexed one is forgotten).
        settled.set(settled.value.filter { shardsPending.contains($0.key) })
        for shard in shardsPending.sorted() {
            guard let definition = shards[shard] else { continue }
            if !force, try await !isQuiet(shard) { continue }
            for p in pending where p.shard == shard && p.lane < definition.laneCount {
                let config = try definition.lane(p.lane).hnswConfig()
                let distance = try PostgresVectors.distance(config)
                let start = ContinuousClock.now
                let did = try await store.withBlockingConnection { [maintenanceWorkMem] c in
                    try PGVectorIndexes.build(c, shard: shard, lane: p.lane, distance: distance, maxConnections: config.maxConnections,
                                              efConstruction: config.efConstruction, maintenanceWorkMem: maintenanceWorkMem)
                }
                if did {
                    built += 1
                    logger.info("vector index built", metadata: [
                        "index": "\(PGVectorIndexes.name(shard: shard, lane: p.lane))",
                        "seconds": "\((ContinuousClock.now - start).components.seconds)",
                    ])
                }
            }
        }
        return built
    }

    /// Whether `shard`'s table has had no new row and no writer for `quiet` (since this node first saw it so).
    private func isQuiet(_ shard: Int64) async throws -> Bool {
        let now = try await store.withBlockingConnection { c in try PGVectorIndexes.activity(c, shard: shard) }
        let clock = ContinuousClock.now
        var all = settled.value
        defer { settled.set(all) }
        guard now.writersNow == 0 else { all[shard] = nil; return false }
        guard let (seen, since) = all[shard], seen == now else { all[shard] = (now, clock); return quiet == .zero }
        return clock - since >= quiet
    }

    /// Passes every half second until the task is cancelled. A failed pass (a cancelled build, a table
    /// dropped meanwhile) is logged and the next one tries again.
    func run(shards: @escaping @Sendable () -> Shards) async {
        while !Task.isCancelled {
            do { try await pass(shards()) } catch {
                if Task.isCancelled { return }
                logger.notice("vector index build did not finish; it is tried again when writes pause", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .milliseconds(500))
        }
    }
}

extension Database {
    /// Each shard's class definition (tenants' shards, COLD ones too), for the index builder.
    var postgresShards: PostgresIndexBuilder.Shards {
        var out: PostgresIndexBuilder.Shards = [:]
        for st in orderedStates {
            for id in PostgresVectors.shardIDs(of: st) { out[id] = st.definition }
        }
        return out
    }

    /// Runs the index builder until the database closes (the task is cancelled; it holds the Database until then).
    func buildVectorIndexesWhenQuiet() -> Task<Void, Never> {
        Task { [self] in
            guard let builder = postgres?.indexBuilder else { return }
            await builder.run { self.postgresShards }
        }
    }

    /// Builds every missing vector index now, without waiting for writes to pause (tests, and callers that
    /// know an import is over).
    func buildPendingVectorIndexes() async throws {
        guard let builder = postgres?.indexBuilder else { return }
        try await builder.pass(postgresShards, force: true)
    }
}
