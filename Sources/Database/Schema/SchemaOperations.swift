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
            let state = ClassState(id: id, definition: def, dimension: r[3], index: try openIndex(classID: id, definition: def),
                                   shardStatus: r[4])
            classes[def.className] = state
            classOrder.append(def.className)
            try backfillTokens(state)
        }
        removeOrphanSnapshots()
    }

    /// Deletes snapshot files of classes that no longer exist (a snapshot racing a class deletion).
    func removeOrphanSnapshots() {
        let live = Set(classes.values.map { "class-\($0.id).index" })
        for file in (try? FileManager.default.contentsOfDirectory(atPath: indexDirectory)) ?? []
        where file.hasPrefix("class-") && !live.contains(file) {
            try? FileManager.default.removeItem(atPath: (indexDirectory as NSString).appendingPathComponent(file))
        }
    }

    /// Creates and fills the token table of a class stored before it existed.
    func backfillTokens(_ st: ClassState) throws {
        try store.pool.write { db in
            guard try ObjectTables.createTokenTable(db, classID: st.id) else { return }
            var rows: [(UInt64, String)] = []
            try ObjectTables.forEachProperties(db, classID: st.id) { rows.append(($0, $1)) }
            for (docID, json) in rows {
                let props = (try? JSONValue.parse(Data(json.utf8)))?.objectValue ?? [:]
                try ObjectTables.setTokens(db, classID: st.id, docID: docID, tokens: Database.tokenRows(props, of: st), replacing: false)
            }
        }
    }

    func state(_ name: String) -> ClassState? {
        lock.lock(); defer { lock.unlock() }
        return classes[name]
    }

    func requireState(_ name: String) throws -> ClassState {
        guard let s = state(name) else { throw DatabaseError.notFound("class '\(name)' not found") }
        return s
    }

    func createClassImpl(_ input: ClassDefinition) throws -> ClassDefinition {
        lock.lock(); defer { lock.unlock() }
        let def = try normalizeNewClass(input)  // vectorIndexConfig checked by HNSWConfigParser (Weaviate's rules)
        let json = try Database.encodeClass(def)
        let columns = (def.properties ?? []).enumerated().flatMap { PropertyColumn.make($0.element, ordinal: $0.offset).storeColumns }
        let (id, index): (Int64, any VectorIndex) = try store.pool.write { db in
            try db.execute(sql: "INSERT INTO classes(name, definition) VALUES (?, ?)", arguments: [def.className, json])
            let id = db.lastInsertedRowID
            try ObjectTables.create(db, classID: id, columns: columns)
            // Made inside the transaction: if the index refuses the config (its own limits, such as
            // maxConnections <= 2047), the class rolls back instead of existing without an index.
            return (id, try makeIndex(classID: id, definition: def))
        }
        removeSnapshot(classID: id)
        let state = ClassState(id: id, definition: def, dimension: nil, index: index, shardStatus: "READY")
        classes[def.className] = state
        classOrder.append(def.className)
        return def
    }

    func updateClassImpl(_ name: String, _ input: ClassDefinition) throws -> ClassDefinition {
        lock.lock(); defer { lock.unlock() }
        guard let st = classes[name] else { throw DatabaseError.notFound("class '\(name)' not found") }
        let old = st.definition
        var new = old
        let incomingName = input.className.isEmpty ? name : input.className
        if incomingName != old.className {
            throw DatabaseError.unprocessable("class name is immutable: attempted change from \"\(old.className)\" to \"\(incomingName)\"")
        }
        if let v = input.vectorizer, v != old.vectorizerName {
            throw DatabaseError.unprocessable("vectorizer is immutable: attempted change from \"\(old.vectorizerName)\" to \"\(v)\"")
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
        if let vic = input.vectorIndexConfig, !vic.isNull {
            let merged = JSONMerge.deep(old.vectorIndexConfig ?? .object([:]), vic)
            let newCfg = try HNSWConfigParser.parse(merged)
            let oldCfg = try old.hnswConfig()
            func immutable(_ field: String, _ a: String, _ b: String) throws {
                if a != b { throw DatabaseError.unprocessable("\(field) is immutable: attempted change from \"\(a)\" to \"\(b)\"") }
            }
            try immutable("efConstruction", "\(oldCfg.efConstruction)", "\(newCfg.efConstruction)")
            try immutable("maxConnections", "\(oldCfg.maxConnections)", "\(newCfg.maxConnections)")
            try immutable("cleanupIntervalSeconds", "\(oldCfg.cleanupIntervalSeconds)", "\(newCfg.cleanupIntervalSeconds)")
            try immutable("distance", oldCfg.distance.rawValue, newCfg.distance.rawValue)
            try immutable("skip", "\(oldCfg.skip)", "\(newCfg.skip)")
            new.vectorIndexConfig = merged
            try st.index.update(config: newCfg)
        }
        if let inv = input.invertedIndexConfig, !inv.isNull {
            new.invertedIndexConfig = JSONMerge.deep(Database.invertedDefaults, inv)
        }
        if let d = input.description { new.description = d }
        if let r = input.replicationConfig, let f = r["factor"]?.intValue, f != 1 {
            throw DatabaseError.unprocessable("could not set replication factor to \(f): not enough nodes: 1 node is available")
        }
        let json = try Database.encodeClass(new)
        try store.pool.write { db in
            try db.execute(sql: "UPDATE classes SET definition = ? WHERE id = ?", arguments: [json, st.id])
        }
        st.definition = new
        return new
    }

    func deleteClassImpl(_ name: String) throws {
        lock.lock(); defer { lock.unlock() }
        guard let st = classes[name] else { throw DatabaseError.badRequest("could not find class '\(name)'") }
        try store.pool.write { db in
            try db.execute(sql: "DELETE FROM classes WHERE id = ?", arguments: [st.id])
            try ObjectTables.drop(db, classID: st.id)
            try ChangeLog.dropClass(db, classID: st.id)
        }
        removeSnapshot(classID: st.id)
        classes[name] = nil
        classOrder.removeAll { $0 == name }
    }

    func addPropertyImpl(_ className: String, _ input: PropertyDefinition) throws -> PropertyDefinition {
        lock.lock(); defer { lock.unlock() }
        guard let st = classes[className] else { throw DatabaseError.unprocessable("class '\(className)' not found") }
        return try addPropertyLocked(st, input)
    }

    /// Adds a property to a class (lock held): persists the definition and ALTERs the table.
    func addPropertyLocked(_ st: ClassState, _ input: PropertyDefinition, in db: GRDB.Database? = nil) throws -> PropertyDefinition {
        let p = try normalizeProperty(input, className: st.name, vectorizer: st.definition.vectorizerName)
        if (st.definition.properties ?? []).contains(where: { $0.name.lowercased() == p.name.lowercased() }) {
            throw DatabaseError.unprocessable(
                "class \"\(st.name)\": conflict for property \"\(p.name)\": already in use or provided multiple times")
        }
        var def = st.definition
        def.properties = (def.properties ?? []) + [p]
        let column = PropertyColumn.make(p, ordinal: def.properties!.count - 1)
        let json = try Database.encodeClass(def)
        let work: (GRDB.Database) throws -> Void = { db in
            try db.execute(sql: "UPDATE classes SET definition = ? WHERE id = ?", arguments: [json, st.id])
            try ObjectTables.addColumns(db, classID: st.id, columns: column.storeColumns)
        }
        if let db { try work(db) } else { try store.pool.write(work) }
        st.definition = def
        return p
    }

    func shardsImpl(_ name: String) throws -> [ShardStatus] {
        let st = try requireState(name)
        return [ShardStatus(name: config.hostname, status: st.shardStatus)]
    }

    func updateShardStatusImpl(_ name: String, shard: String, status: String) throws -> ShardStatus {
        let st = try requireState(name)
        guard shard == config.hostname else { throw DatabaseError.notFound("shard '\(shard)' not found") }
        let s = status.uppercased()
        guard s == "READY" || s == "READONLY" else {
            throw DatabaseError.unprocessable("invalid status: \(status)")
        }
        try store.pool.write { db in
            try db.execute(sql: "UPDATE classes SET shard_status = ? WHERE id = ?", arguments: [s, st.id])
        }
        st.shardStatus = s
        return ShardStatus(name: shard, status: s)
    }
}
