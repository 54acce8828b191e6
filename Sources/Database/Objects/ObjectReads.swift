import Foundation
import Storage
import VectorIndex

extension Database {
    func toObject(_ row: ObjectRow, _ st: ClassState) -> WeaviateObject {
        var props = (try? JSONValue.parse(row.properties.utf8))?.objectValue ?? [:]
        // JSON text cannot tell 5.0 from 5: restore `number` values as doubles (the Swift-side type).
        for (name, col) in st.columns where col.type == .number || col.type == .numberArray {
            switch props[name] {
            case .int(let i)?: props[name] = .double(Double(i))
            case .array(let a)?: props[name] = .array(a.map { v in if case .int(let i) = v { return .double(Double(i)) }; return v })
            default: break
            }
        }
        let additional = row.additional.flatMap { try? JSONValue.parse($0.utf8) }?.objectValue
        var object = WeaviateObject(className: st.name, id: row.uuid, properties: props, vector: row.vector.map(VectorCoding.decode),
                                    creationTimeUnix: row.created, lastUpdateTimeUnix: row.updated, additional: additional,
                                    docID: row.docID, tenant: st.tenant)
        object.vectorName = st.definition.vectorName
        if !row.moreVectors.isEmpty {
            let names = st.definition.vectorNames
            for (lane, data) in row.moreVectors where lane < names.count { object.moreVectors[names[lane]] = VectorCoding.decode(data) }
        }
        return object
    }

    /// Runs `body` on a snapshot of the engine's rows; the task waits without holding a cooperative thread.
    func read<T: Sendable>(_ body: @escaping @Sendable (any ObjectReader) throws -> T) async throws -> T {
        do { return try await engine.read(body) } catch {
            throw storageFailure(error, "store read")
        }
    }

    /// `read` for a few rows by key (see `StorageEngine.readFew`).
    func readFew<T: Sendable>(_ body: @escaping @Sendable (any ObjectReader) throws -> T) async throws -> T {
        do { return try await engine.readFew(body) } catch {
            throw storageFailure(error, "store read")
        }
    }

    var orderedStates: [ClassState] {
        withSchemaLock { classOrder.compactMap { classes[$0] } }
    }

    /// The shards a class-less request reaches, in class order: with a tenant, that tenant's active shard
    /// of every multi-tenant class that has it; without, every single-tenant class.
    func orderedShards(tenant: String?) -> [ClassState] {
        orderedStates.compactMap { st in
            guard st.definition.multiTenancyEnabled else { return (tenant ?? "").isEmpty ? st : nil }
            guard let tenant, !tenant.isEmpty else { return nil }
            return st.tenantEntry(tenant)?.shard
        }
    }

    /// One object by class (nil: search every class, the legacy id-only path) and id; nil if absent.
    /// A multi-tenant class needs `tenant` (422 without it, or for an unknown or inactive tenant).
    public func getObject(className: String?, id: String, includeVector: Bool = false, tenant: String? = nil) async throws -> WeaviateObject? {
        let lid = id.lowercased()
        let states: [ClassState]
        if let className {
            guard let st = try await shardOf(named: Database.normalizeClassName(className), tenant: tenant) else { return nil }
            states = [st]
        } else {
            states = orderedShards(tenant: tenant)
        }
        return try await read { rows in
            for st in states {
                if let row = try rows.object(st, uuid: lid, withVector: includeVector) {
                    return self.toObject(row, st)
                }
            }
            return nil
        }
    }

    /// SQL ORDER BY for sort specs (typed column if any, else the JSON value), ending with doc_id.
    func orderClause(_ sort: [SortSpec], _ st: ClassState) throws -> String {
        let table = ObjectTables.tableName(st.id)
        var parts: [String] = []
        for (k, s) in sort.enumerated() {
            guard let name = s.path.first, s.path.count == 1 else {
                throw DatabaseError.unprocessable("sort parameter at position \(k): sort path must be a single property name")
            }
            let dir = s.ascending ? "ASC" : "DESC"
            switch name {
            case "_creationTimeUnix": parts.append("\(table).created \(dir)")
            case "_lastUpdateTimeUnix": parts.append("\(table).updated \(dir)")
            case "id", "_id": parts.append("\(table).uuid \(dir)")
            default:
                guard let col = st.columns[name], st.definition.property(named: name) != nil else {
                    throw DatabaseError.unprocessable(
                        "sort parameter at position \(k): no such prop with name '\(name)' found in class '\(st.name)' in the schema. Check your schema files for which properties in this class are available")
                }
                if col.hasColumn && col.type != .geoCoordinates {
                    parts.append("\(table).\(col.name) \(dir)")
                } else {
                    parts.append("\(engine.dialect.sortValue("\(table).props", name: name)) \(dir)")
                }
            }
        }
        parts.append("\(table).doc_id ASC")
        return parts.joined(separator: ", ")
    }

    /// REST listing order: the sort specs, else uuid order (Weaviate's objects bucket is keyed by uuid).
    func listOrderClause(_ sort: [SortSpec], _ st: ClassState) throws -> String {
        sort.isEmpty ? "\(ObjectTables.tableName(st.id)).uuid ASC" : try orderClause(sort, st)
    }

    func compileFilter(_ filter: WhereFilter?, _ st: ClassState) throws -> CompiledFilter? {
        guard let filter else { return nil }
        return try FilterCompiler.compile(filter, state: st, qualifier: ObjectTables.tableName(st.id), in: self,
                                          dialect: engine.dialect)
    }

    /// Compiles `filter` for class `className` into a SQL condition over its table `obj_<id>` (for the
    /// query engine's own SQL); nil filter → nil. Errors: 404 unknown class, 422 filter errors.
    func sqlCondition(className: String, filter: WhereFilter?, tenant: String? = nil) throws -> (table: String, condition: CompiledFilter?) {
        let st = try requireShard(className, tenant: tenant)
        return (ObjectTables.tableName(st.id), try compileFilter(filter, st))
    }

    static func parseSort(_ sort: [String], _ order: [String]) throws -> [SortSpec] {
        try sort.enumerated().map { k, name in
            let o = k < order.count ? order[k].lowercased() : "asc"
            guard o == "asc" || o == "desc" else {
                throw DatabaseError.unprocessable("invalid order parameter, possible values are: [\"asc\", \"desc\"] not: \"\(order[k])\"")
            }
            return SortSpec(path: [name], ascending: o == "asc")
        }
    }

    /// A page of objects (`GET /v1/objects`), in uuid order unless `sort` is given (Weaviate's order). Errors:
    /// `query maximum results exceeded` (422 with a class, 500 without, as Weaviate), unknown class (Weaviate
    /// answers an empty list, and so do we).
    public func listObjects(_ q: ListObjectsQuery) async throws -> [WeaviateObject] {
        let limit = q.limit ?? config.queryDefaultsLimit
        let offset = q.offset ?? 0
        if limit < 0 || offset < 0 {
            throw DatabaseError.unprocessable("invalid pagination: limit and offset must not be negative")
        }
        if config.exceedsMaximumResults(offset: offset, limit: limit) {
            throw DatabaseError(q.className == nil ? .internal : .unprocessable, "query maximum results exceeded")
        }
        let sort = try Database.parseSort(q.sort, q.order)
        if let after = q.after {
            guard let className = q.className else {
                throw DatabaseError.unprocessable("invalid cursor: 'after' parameter requires 'class' to be set")
            }
            if q.offset != nil && q.offset != 0 || !sort.isEmpty {
                throw DatabaseError.unprocessable("invalid cursor: 'after' parameter cannot be combined with 'offset' or 'sort'")
            }
            guard let st = try await shardOf(named: Database.normalizeClassName(className), tenant: q.tenant) else { return [] }
            let cursor = after.isEmpty ? nil : CompiledFilter(sql: "uuid > \(engine.dialect.placeholder(1))",
                                                              arguments: [.text(after.lowercased())])
            return try await read { rows in
                try rows.objects(st, where: cursor, orderBy: "uuid", limit: limit, offset: nil,
                                 withVector: q.includeVector).map { self.toObject($0, st) }
            }
        }
        if let className = q.className {
            guard let st = try await shardOf(named: Database.normalizeClassName(className), tenant: q.tenant) else { return [] }
            let order = try listOrderClause(sort, st)
            return try await read { rows in
                try rows.objects(st, where: nil, orderBy: order, limit: limit, offset: offset,
                                 withVector: q.includeVector).map { self.toObject($0, st) }
            }
        }
        // Across classes: classes in creation order, each in uuid order.
        let shards = orderedShards(tenant: q.tenant)
        return try await read { rows in
            var out: [WeaviateObject] = []
            var skip = offset
            for st in shards where out.count < limit {
                let n = try rows.count(st, where: nil)
                if skip >= n { skip -= n; continue }
                let order = try self.listOrderClause(sort.filter { st.columns[$0.path[0]] != nil || $0.path[0].hasPrefix("_") || $0.path[0] == "id" }, st)
                let page = try rows.objects(st, where: nil, orderBy: order, limit: limit - out.count,
                                            offset: skip, withVector: q.includeVector)
                skip = 0
                out += page.map { self.toObject($0, st) }
            }
            return out
        }
    }

    /// The doc ids of `className` matching `filter` (nil filter: all), ascending. Errors: 422 filter errors.
    public func filterDocIDs(className: String, filter: WhereFilter?, tenant: String? = nil) async throws -> [UInt64] {
        let st = try requireShard(className, tenant: tenant)
        let c = try compileFilter(filter, st)
        return try await read { rows in
            try rows.ids(st, where: c, limit: nil).map(\.docID)
        }
    }

    /// The ids `filter` allows (nil filter: nil, no restriction).
    func allowList(_ filter: WhereFilter?, className: String, tenant: String? = nil) async throws -> AllowList? {
        guard let filter else { return nil }
        return AllowList(try await filterDocIDs(className: className, filter: filter, tenant: tenant))
    }

    /// The number of objects of `className` matching `filter`.
    public func count(className: String, filter: WhereFilter? = nil, tenant: String? = nil) async throws -> Int {
        let st = try requireShard(className, tenant: tenant)
        let c = try compileFilter(filter, st)
        return try await read { rows in try rows.count(st, where: c) }
    }

    /// Objects by doc id, in the given order (ids that no longer exist are skipped).
    public func objects(className: String, docIDs: [UInt64], includeVector: Bool, tenant: String? = nil) async throws -> [WeaviateObject] {
        let st = try requireShard(className, tenant: tenant)
        return try await read { rows in
            try rows.objects(st, docIDs: docIDs, withVector: includeVector).map { self.toObject($0, st) }
        }
    }

    /// Objects of `className` matching `filter`, paged by limit/offset, ordered by `sort`; without one as
    /// Weaviate orders them: a filter's matches in doc id order (its inverted index yields doc ids), all
    /// objects in uuid order (its object store's key order, which the `after` cursor walks too).
    public func findObjects(className: String, filter: WhereFilter?, sort: [SortSpec] = [], limit: Int?, offset: Int? = nil,
                            after: String? = nil, includeVector: Bool = false, tenant: String? = nil) async throws -> [WeaviateObject] {
        let st = try requireShard(className, tenant: tenant)
        var c = try compileFilter(filter, st)
        var order = filter == nil ? try listOrderClause(sort, st) : try orderClause(sort, st)
        if let after, !after.isEmpty {
            let cond = "\(ObjectTables.tableName(st.id)).uuid > \(engine.dialect.placeholder((c?.arguments.count ?? 0) + 1))"
            if var existing = c {
                existing.sql = "(\(existing.sql)) AND \(cond)"
                existing.arguments.append(.text(after.lowercased()))
                c = existing
            } else {
                c = CompiledFilter(sql: cond, arguments: [.text(after.lowercased())])
            }
            order = "\(ObjectTables.tableName(st.id)).uuid ASC"
        } else if after != nil {
            order = "\(ObjectTables.tableName(st.id)).uuid ASC"
        }
        return try await read { [c, order] rows in
            try rows.objects(st, where: c, orderBy: order, limit: limit, offset: offset,
                             withVector: includeVector).map { self.toObject($0, st) }
        }
    }

    /// A kNN search over the class's vectors (the engine's `nearest`): the `k` nearest objects (optionally within `maxDistance`
    /// and restricted to `allowList`), closest first, with their distances in the class's metric.
    /// Errors: 404 unknown class; 422 vector length differs from the class's dimension.
    public func vectorSearch(className: String, vector: [Float], k: Int, maxDistance: Float? = nil, allowList: AllowList? = nil,
                             includeVector: Bool = false, tenant: String? = nil) async throws -> [(object: WeaviateObject, distance: Float)] {
        try await vectorSearch(className: className, query: .single(vector), k: k, maxDistance: maxDistance, allowList: allowList,
                               includeVector: includeVector, tenant: tenant)
    }

    /// The same over named vectors: one lane, or several joined (`multiTargetNearest`).
    func vectorSearch(className: String, query: VectorQuery, k: Int, maxDistance: Float? = nil, allowList: AllowList? = nil,
                      includeVector: Bool = false, withProperties: Bool = true,
                      tenant: String? = nil) async throws -> [(object: WeaviateObject, distance: Float)] {
        let st = try requireShard(className, tenant: tenant)
        for part in query.parts {
            if let d = st.dimension(lane: part.lane), d != part.vector.count, try await engine.vectorCount(st, lane: part.lane) > 0 {
                throw DatabaseError.unprocessable(
                    "vector search: could not search vector index: vector lengths don't match: \(part.vector.count) vs \(d)")
            }
        }
        if k <= 0 || query.parts.isEmpty { return [] }
        let hits = query.parts.count == 1
            ? try await engine.nearest(st, lane: query.parts[0].lane, to: query.parts[0].vector, k: k, maxDistance: maxDistance,
                                       allowList: allowList)
            : try await multiTargetNearest(st, query, k: k, maxDistance: maxDistance, allowList: allowList)
        let objects = try await readFew { rows in
            try rows.objects(st, docIDs: hits.map(\.id), withVector: includeVector, withProperties: withProperties)
        }
        var byID: [UInt64: ObjectRow] = [:]
        for o in objects { byID[o.docID] = o }
        return hits.compactMap { h in byID[h.id].map { (toObject($0, st), h.distance) } }
    }
}
