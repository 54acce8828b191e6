import Foundation
import Storage
import VectorIndex

extension Database {
    static func encodeClass(_ c: ClassDefinition) throws -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        return String(decoding: try enc.encode(c), as: UTF8.self)
    }

    static func decodeClass(_ s: String) throws -> ClassDefinition {
        try JSONDecoder().decode(ClassDefinition.self, from: Data(s.utf8))
    }

    /// Loads every class and opens its vector index (snapshot + change-log catch-up).
    func loadSchema() throws {
        let rows = try store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, name, definition, dimension, shard_status FROM classes ORDER BY id")
        }
        for r in rows {
            let id: Int64 = r[0]
            let def: ClassDefinition
            do { def = try Database.decodeClass(r[2]) } catch {
                throw DatabaseError.internal("stored definition of class \(r[1] as String) is unreadable: \(error)")
            }
            if _storageCondition.isWritable {
                try store.pool.write { db in
                    try ObjectTables.createVectorIndex(db, classID: id)
                    try VectorLanes.create(db, shard: id, lanes: def.laneCount)  // a store copied by `iris store recover`
                }
            }
            let state = ClassState(id: id, definition: def,
                                   dimensions: try storedDimensions(shardID: id, definition: def, first: r[3]),
                                   indexes: try openIndexes(shardID: id, definition: def), shardStatus: r[4])
            classes[def.className] = state
            classOrder.append(def.className)
            if _storageCondition.isWritable { try backfillTokens(state) }
            if def.multiTenancyEnabled {
                // Every tenant's tables, COLD ones too: activation runs in the writer and cannot back-fill.
                if _storageCondition.isWritable { try prepareTenantTables(of: state) }
                try loadTenants(of: state)
            }
        }
        removeOrphanSnapshots()
    }

    /// Deletes index files (snapshots, graph logs) of classes that no longer exist (a snapshot racing a
    /// class deletion).
    func removeOrphanSnapshots() {
        // Every class's and tenant's file, also of COLD tenants (their index waits on disk).
        var live = Set<String>()
        for st in classes.values {
            let lanes = st.definition.laneCount
            live.formUnion(Database.indexFileNames(shardID: st.id, lanes: lanes))
            for t in st.tenants.values { live.formUnion(Database.indexFileNames(shardID: t.shardID, lanes: lanes)) }
        }
        for file in (try? FileManager.default.contentsOfDirectory(atPath: indexDirectory)) ?? []
        where (file.hasPrefix("class-") || file.hasPrefix("tenant-")) && !live.contains(file.split(separator: ".").prefix(2).joined(separator: ".")) {
            try? FileManager.default.removeItem(atPath: (indexDirectory as NSString).appendingPathComponent(file))
        }
    }

    /// Creates and fills the token table of a class (or of one of its tenants, `shardID`) stored before it
    /// existed, or copied without it by `iris store recover`.
    func backfillTokens(_ st: ClassState, shardID: Int64? = nil) throws {
        let id = shardID ?? st.id
        try store.pool.write { db in
            guard try ObjectTables.createTokenTable(db, classID: id) else { return }
            var rows: [(UInt64, String)] = []
            try ObjectTables.forEachProperties(db, classID: id) { rows.append(($0, $1)) }
            for (docID, json) in rows {
                let props = (try? JSONValue.parse(json.utf8))?.objectValue ?? [:]
                try ObjectTables.setTokens(db, classID: id, docID: docID, tokens: Database.tokenRows(props, of: st), replacing: false)
            }
        }
    }

    func state(_ name: String) -> ClassState? {
        withSchemaLock { classes[name] }
    }

    func requireState(_ name: String) throws -> ClassState {
        guard let s = state(name) else { throw DatabaseError.notFound("class '\(name)' not found") }
        return s
    }

    /// Runs a schema change through the engine's `SchemaWriter`: schema changes are serialised with each
    /// other (embedded: in the store's writer, also with object writes; PostgreSQL: one transaction under
    /// a database-wide lock), and the in-memory schema is updated there.
    func schemaWrite<T: Sendable>(_ body: @escaping @Sendable (any SchemaWriter) throws -> T) async throws -> T {
        await awaitStartupCheck()
        try ensureWritable()
        do {
            if let postgres {
                return try await postgres.store.withBlockingTransaction(attempts: 1) { c in try body(PostgresSchemaWriter(c: c, database: self)) }
            }
            return try await store.pool.writeWithoutTransaction { db in try body(EmbeddedSchemaWriter(db: db, database: self)) }
        } catch {
            throw storageFailure(error, "schema write")
        }
    }

    /// Creates a class (`POST /v1/schema`): validates, applies defaults, persists; returns the echoed class.
    /// Errors: 422 with Weaviate's messages (invalid names, already exists, module config, hnsw config).
    public func createClass(_ input: ClassDefinition) async throws -> ClassDefinition {
        try await schemaWrite { tx in try self.createClass(input, in: tx).definition }
    }

    /// Creates a class inside the schema transaction `tx`.
    func createClass(_ input: ClassDefinition, in tx: any SchemaWriter) throws -> ClassState {
        let def = try normalizeNewClass(input)  // vectorIndexConfig checked by HNSWConfigParser (Weaviate's rules)
        let json = try Database.encodeClass(def)
        let columns = (def.properties ?? []).enumerated().flatMap { PropertyColumn.make($0.element, ordinal: $0.offset).storeColumns }
        var id: Int64 = 0
        var indexes: [any VectorIndex] = []
        try tx.atomically {
            id = try tx.insertClass(name: def.className, definition: json, columns: columns, lanes: def.laneCount)
            // Made inside the transaction: if an index refuses the config, the class rolls back.
            indexes = try tx.newIndexes(shardID: id, definition: def)
        }
        let state = ClassState(id: id, definition: def, dimensions: [], indexes: indexes, shardStatus: "READY")
        withSchemaLock {
            classes[def.className] = state
            classOrder.append(def.className)
        }
        return state
    }

    /// Updates a class (`PUT /v1/schema/{class}`): only the mutable settings may change (reference 5.2).
    /// Errors: 404 unknown class, 422 immutable field changed.
    public func updateClass(_ name: String, _ input: ClassDefinition) async throws -> ClassDefinition {
        try await schemaWrite { tx in try self.updateClass(name, input, in: tx) }
    }

    private func updateClass(_ name: String, _ input: ClassDefinition, in tx: any SchemaWriter) throws -> ClassDefinition {
        guard let st = state(name) else { throw DatabaseError.notFound("class '\(name)' not found") }
        let old = st.definition
        var new = old
        let incomingName = input.className.isEmpty ? name : input.className
        if incomingName != old.className {
            throw DatabaseError.unprocessable("class name is immutable: attempted change from \"\(old.className)\" to \"\(incomingName)\"")
        }
        if let v = input.vectorizer, v != old.vectorizerName {
            throw DatabaseError.unprocessable("vectorizer is immutable: attempted change from \"\(old.vectorizerName)\" to \"\(v)\"")
        }
        if let v = input.vectorName, v != old.vectorName {
            throw DatabaseError.unprocessable("named vectors are immutable: attempted change from \"\(old.vectorName ?? "")\" to \"\(v)\"")
        }
        if let t = input.vectorIndexType, t != (old.vectorIndexType ?? "hnsw") {
            throw DatabaseError.unprocessable("vector index type is immutable: attempted change from \"\(old.vectorIndexType ?? "hnsw")\" to \"\(t)\"")
        }
        if let props = input.properties {
            let normalized = try props.map { try normalizeProperty($0, className: name, vectorizer: old.vectorizerName) }
            if normalized != (old.properties ?? []) {
                throw DatabaseError.unprocessable(
                    "properties cannot be updated through updating the class. Use the add property feature (e.g. \"POST /v1/schema/{className}/properties\") to add additional properties")
            }
        }
        if let mc = input.moduleConfig, !mc.isNull {
            var probe = input
            probe.vectorizer = old.vectorizer
            try? applyModuleConfig(&probe)
            if probe.moduleConfig != old.moduleConfig && mc != old.moduleConfig {
                throw DatabaseError.unprocessable("module config is immutable")
            }
        }
        var indexUpdates: [(lane: Int, config: HNSWConfig)] = []
        if let vic = input.vectorIndexConfig, !vic.isNull {
            let (merged, cfg) = try Database.updatedIndexConfig(old, vic)
            new.vectorIndexConfig = merged
            indexUpdates.append((0, cfg))
        }
        if let more = input.moreVectors {
            if more.map(\.name) != (old.moreVectors ?? []).map(\.name) {
                throw DatabaseError.unprocessable("named vectors are immutable: attempted change from "
                                                  + "\(old.vectorNames) to \([input.vectorName ?? ""] + more.map(\.name))")
            }
            for (k, v) in more.enumerated() {
                guard let vic = v.vectorIndexConfig, !vic.isNull else { continue }
                let (merged, cfg) = try Database.updatedIndexConfig(old.lane(k + 1), vic)
                new.moreVectors![k].vectorIndexConfig = merged
                indexUpdates.append((k + 1, cfg))
            }
        }
        for (lane, cfg) in indexUpdates {
            for shard in st.loadedShards { try shard.indexes[lane].update(config: cfg) }
        }
        if let inv = input.invertedIndexConfig, !inv.isNull {
            new.invertedIndexConfig = JSONMerge.deep(Database.invertedDefaults, inv)
        }
        if let mt = try Database.normalizeMultiTenancy(input.multiTenancyConfig) {
            if mt["enabled"] != (old.multiTenancyConfig?["enabled"] ?? .bool(false)) {
                throw DatabaseError.unprocessable("enabling or disabling multi-tenancy for an existing class is not supported")
            }
            if old.multiTenancyConfig != nil { new.multiTenancyConfig = mt }
        }
        if let d = input.description { new.description = d }
        if let r = input.replicationConfig, let f = r["factor"]?.intValue, f != 1 {
            throw DatabaseError.unprocessable("could not set replication factor to \(f): not enough nodes: 1 node is available")
        }
        let json = try Database.encodeClass(new)
        try tx.setDefinition(classID: st.id, definition: json)
        st.definition = new
        return new
    }

    /// A vector index config after an update: `incoming` merged over the current one; only the mutable
    /// settings may change (reference 5.2).
    static func updatedIndexConfig(_ current: ClassDefinition, _ incoming: JSONValue) throws -> (JSONValue, HNSWConfig) {
        let merged = JSONMerge.deep(current.vectorIndexConfig ?? .object([:]), incoming)
        let newCfg = try HNSWConfigParser.parse(merged)
        let oldCfg = try current.hnswConfig()
        func immutable(_ field: String, _ a: String, _ b: String) throws {
            if a != b { throw DatabaseError.unprocessable("\(field) is immutable: attempted change from \"\(a)\" to \"\(b)\"") }
        }
        try immutable("efConstruction", "\(oldCfg.efConstruction)", "\(newCfg.efConstruction)")
        try immutable("maxConnections", "\(oldCfg.maxConnections)", "\(newCfg.maxConnections)")
        try immutable("cleanupIntervalSeconds", "\(oldCfg.cleanupIntervalSeconds)", "\(newCfg.cleanupIntervalSeconds)")
        try immutable("distance", oldCfg.distance.rawValue, newCfg.distance.rawValue)
        try immutable("skip", "\(oldCfg.skip)", "\(newCfg.skip)")
        return (merged, newCfg)
    }

    /// Deletes a class and all its objects (`DELETE /v1/schema/{class}`). Unknown class: 400 `could not find class 'X'`.
    public func deleteClass(_ name: String) async throws {
        // Tenants go first, a batch per transaction (see `removeTenants`); the class then takes what is left.
        if let st = state(name), !st.tenants.isEmpty {
            try await removeTenants(st.tenants.values.map(\.name), ofClass: name)
        }
        try await schemaWrite { tx in
            guard let st = self.state(name) else { throw DatabaseError.badRequest("could not find class '\(name)'") }
            let shardIDs = [st.id] + st.tenants.values.map(\.shardID)
            try tx.atomically { try tx.deleteClass(classID: st.id, shardIDs: shardIDs) }
            tx.dropIndexes(shardIDs: shardIDs, lanes: st.definition.laneCount)
            self.withSchemaLock {
                self.classes[name] = nil
                self.classOrder.removeAll { $0 == name }
            }
        }
    }

    /// Adds a property (`POST /v1/schema/{class}/properties`); returns it with defaults applied. 422 on errors.
    public func addProperty(toClass className: String, _ input: PropertyDefinition) async throws -> PropertyDefinition {
        try await schemaWrite { tx in
            guard let st = self.state(className) else { throw DatabaseError.unprocessable("class '\(className)' not found") }
            return try self.addProperty(input, to: st, in: tx)
        }
    }

    /// Adds a property inside the schema transaction `tx`: persists the definition and ALTERs the tables.
    func addProperty(_ input: PropertyDefinition, to st: ClassState, in tx: any SchemaWriter) throws -> PropertyDefinition {
        let p = try normalizeProperty(input, className: st.name, vectorizer: st.definition.vectorizerName)
        if (st.definition.properties ?? []).contains(where: { $0.name.lowercased() == p.name.lowercased() }) {
            throw DatabaseError.unprocessable(
                "class \"\(st.name)\": conflict for property \"\(p.name)\": already in use or provided multiple times")
        }
        var def = st.definition
        def.properties = (def.properties ?? []) + [p]
        let column = PropertyColumn.make(p, ordinal: def.properties!.count - 1)
        let json = try Database.encodeClass(def)
        try tx.atomically {
            try tx.setDefinition(classID: st.id, definition: json)
            // Every tenant's table too, COLD ones included.
            try tx.addColumns(shardIDs: [st.id] + st.tenants.values.map(\.shardID), columns: column.storeColumns)
        }
        st.definition = def
        return p
    }

    /// The shards of a class (`GET /v1/schema/{class}/shards`); 404 for an unknown class.
    public func shards(ofClass name: String) throws -> [ShardStatus] {
        let st = try requireState(name)
        return [ShardStatus(name: config.hostname, status: st.shardStatus)]
    }

    /// Sets a shard's status (`READY` or `READONLY`); 404 unknown class/shard, 422 bad status.
    public func updateShardStatus(ofClass name: String, shard: String, status: String) async throws -> ShardStatus {
        let st = try requireState(name)
        guard shard == config.hostname else { throw DatabaseError.notFound("shard '\(shard)' not found") }
        let s = status.uppercased()
        guard s == "READY" || s == "READONLY" else {
            throw DatabaseError.unprocessable("invalid status: \(status)")
        }
        try await schemaWrite { tx in
            try tx.setShardStatus(classID: st.id, status: s)
            st.shardStatus = s
        }
        return ShardStatus(name: shard, status: s)
    }
}
