// Get, Explore and Aggregate with Weaviate 1.19's semantics (reference 3.3, 3.4): limit defaults,
// search by distance, kNN then post-filtering, the maximum-results cap, certainty only for cosine,
// filtered vector search through the where allow-list. bm25 and hybrid branch off to KeywordGet.swift.
import VectorIndex

extension Database {
    // MARK: Get

    /// `Get { <Class>(...) }`: the matching objects, closest first for a vector search.
    public func getQuery(_ r: GetRequest) async throws -> [GetHit] {
        guard let cls = getClass(r.className) else {
            throw DatabaseError.notFound("class '\(r.className)' not found")
        }
        // The tenant is checked before anything else runs (Weaviate refuses the query as a whole).
        _ = try await shardOf(named: cls.className, tenant: r.tenant)
        var r = r
        if r.groupBy != nil || r.group != nil { r.needsProperties = true }  // both read properties
        if r.groupBy != nil { return try await groupedGet(r, cls) }
        guard let group = r.group else { return try await searchOrList(r, cls) }
        var search = r
        search.additional.vector = true  // `group` compares the results' vectors
        return try HitGrouping.fold(try await searchOrList(search, cls), group, cls: cls)
    }

    /// `groupBy`: the search runs with `k = offset + limit` as usual, its hits are grouped, and then
    /// `offset` and the page count groups (1.19 pages the grouped results). Sort does not apply.
    private func groupedGet(_ r: GetRequest, _ cls: ClassDefinition) async throws -> [GetHit] {
        guard let g = r.groupBy else { return [] }
        guard !r.near.isEmpty || r.bm25 != nil || r.hybrid != nil else {
            // Weaviate 1.19 silently ignores groupBy without a search; Iris says so instead.
            throw DatabaseError.unprocessable(
                "groupBy needs a search to group: use it with nearVector, nearObject, nearText, nearImage, bm25 or hybrid")
        }
        let property = g.path.count == 1 ? g.path[0] : ""
        guard cls.property(named: property) != nil else {
            let index = cls.className.lowercased()
            throw DatabaseError.unprocessable(
                "explorer: get class: vector search: object vector search at index \(index): shard \(index)_\(config.hostname): "
                + "no such prop with name '\(property)' found in class '\(cls.className)' in the schema. Check your schema files "
                + "for which properties in this class are available: unrecognized property: \(property)")
        }
        let offset = max(0, r.offset ?? 0)
        var search = r
        search.groupBy = nil
        search.group = nil
        search.sort = []
        search.offset = nil
        search.additional.vector = r.additional.vector || r.additional.groupHitVector || r.group != nil
        if let limit = r.limit, limit >= 0 {
            search.limit = offset + limit
        } else if r.offset != nil, r.near.maxDistance == nil || r.bm25 != nil || r.hybrid != nil {
            search.limit = offset + config.queryDefaultsLimit
        }
        let hits = try await searchOrList(search, cls)
        var grouped = Array(HitGrouping.groupBy(hits, property: property, groups: g.groups,
                                                objectsPerGroup: g.objectsPerGroup).dropFirst(offset))
        if let group = r.group { grouped = try HitGrouping.fold(grouped, group, cls: cls) }
        return grouped
    }

    /// A Get without grouping: keyword search, vector search or a listing.
    private func searchOrList(_ r: GetRequest, _ cls: ClassDefinition) async throws -> [GetHit] {
        let tenant = r.tenant
        if r.bm25 != nil || r.hybrid != nil { return autocut(try await keywordGet(r, cls), r.autocut) }
        let maximum = config.queryMaximumResults
        let limit = (r.limit ?? -1) < 0 ? nil : r.limit
        let offset = max(0, r.offset ?? 0)

        guard !r.near.isEmpty else {
            let pageLimit = limit ?? (r.offset == nil ? 100 : config.queryDefaultsLimit)
            if config.exceedsMaximumResults(offset: offset, limit: pageLimit) { throw DatabaseError.unprocessable("query maximum results exceeded") }
            let objects = try await findObjects(className: cls.className, filter: r.filter, sort: r.sort, limit: pageLimit,
                                          offset: offset, after: r.after, includeVector: r.additional.vector, tenant: tenant)
            return objects.map { GetHit(object: $0) }
        }

        try r.near.validateExtraction()
        try await checkCertainty(metric: searchedMetric(r.near, cls), requested: r.near.certainty != nil || r.additional.certainty)
        let vector = try await searchQuery(for: r.near, in: cls, tenant: tenant)
        let allowList = try await allowList(r.filter, className: cls.className, tenant: tenant)

        let withProperties = r.needsProperties || !r.sort.isEmpty  // sorting reads them
        var hits: [GetHit]
        if let threshold = r.near.maxDistance, limit == nil {
            // Search by distance: everything within the threshold, capped at QUERY_MAXIMUM_RESULTS.
            hits = try await vectorHits(cls, vector, k: maximum, maxDistance: Float(threshold), allowList: allowList,
                                  includeVector: r.additional.vector, withProperties: withProperties, tenant: tenant)
            hits = Array(hits.dropFirst(offset))
        } else {
            let pageLimit = limit ?? (r.offset == nil ? 100 : config.queryDefaultsLimit)
            if config.exceedsMaximumResults(offset: offset, limit: pageLimit) { throw DatabaseError.unprocessable("query maximum results exceeded") }
            hits = try await vectorHits(cls, vector, k: offset + pageLimit, maxDistance: nil, allowList: allowList,
                                  includeVector: r.additional.vector, withProperties: withProperties, tenant: tenant)
            hits = Array(hits.dropFirst(offset))
            hits = postFilter(hits, certainty: r.near.certainty, distance: r.near.distance)
        }
        if !r.sort.isEmpty { hits = sortHits(hits, by: r.sort) }
        return autocut(hits, r.autocut)
    }

    /// The metric of the (first) named vector a search runs on (errors about the targets come later).
    func searchedMetric(_ near: NearParameters, _ cls: ClassDefinition) -> DistanceMetric {
        cls.lane((try? targetLanes(near.targets, cls))?.first?.lane ?? 0).distanceMetric
    }

    /// `can't use certainty when vector index is configured with <metric> distance`.
    func checkCertainty(metric: DistanceMetric, requested: Bool) async throws {
        if requested && metric != .cosine {
            throw DatabaseError.unprocessable(
                "can't use certainty when vector index is configured with \(metric.rawValue) distance")
        }
    }

    private func vectorHits(_ cls: ClassDefinition, _ vector: VectorQuery, k: Int, maxDistance: Float?,
                            allowList: AllowList?, includeVector: Bool, withProperties: Bool, tenant: String?) async throws -> [GetHit] {
        if let allowList, allowList.count == 0 { return [] }
        do {
            return try await vectorSearch(className: cls.className, query: vector, k: k, maxDistance: maxDistance,
                                    allowList: allowList, includeVector: includeVector, withProperties: withProperties,
                                    tenant: tenant)
                .map { GetHit(object: $0.object, distance: $0.distance) }
        } catch let e as DatabaseError {
            throw DatabaseError(e.kind, "explorer: get class: vector search: " + e.message)
        }
    }

    /// Drops kNN hits below the certainty or beyond the distance (±1e-6), as `searchResultsToGetResponse`.
    func postFilter(_ hits: [GetHit], certainty: Double?, distance: Double?) -> [GetHit] {
        hits.filter { hit in
            guard let d = hit.distance.map(Double.init) else { return true }
            let c = 1 - d / 2
            if let certainty, c >= 0, c < certainty { return false }
            if let distance, certainty == nil, d > distance, abs(d - distance) > 1e-6 { return false }
            return true
        }
    }

    /// Reorders hits by the sort clauses (stable; missing values first in ascending order).
    func sortHits(_ hits: [GetHit], by sort: [SortSpec]) -> [GetHit] {
        let indexed = hits.enumerated().map { ($0.offset, $0.element) }
        return indexed.sorted { a, b in
            for spec in sort {
                let order = compareSortValues(sortValue(a.1.object, spec.path), sortValue(b.1.object, spec.path))
                if order != 0 { return spec.ascending ? order < 0 : order > 0 }
            }
            return a.0 < b.0
        }.map(\.1)
    }

    private func sortValue(_ o: WeaviateObject, _ path: [String]) -> JSONValue {
        guard let key = path.first else { return .null }
        switch key {
        case "id", "_id": return .string(o.id)
        case "_creationTimeUnix": return .int(o.creationTimeUnix)
        case "_lastUpdateTimeUnix": return .int(o.lastUpdateTimeUnix)
        default: return o.properties[key] ?? .null
        }
    }

    private func compareSortValues(_ a: JSONValue, _ b: JSONValue) -> Int {
        switch (a, b) {
        case (.null, .null): return 0
        case (.null, _): return -1
        case (_, .null): return 1
        default: break
        }
        if let x = a.doubleValue, let y = b.doubleValue { return x < y ? -1 : (x > y ? 1 : 0) }
        if let x = a.stringValue, let y = b.stringValue { return x < y ? -1 : (x > y ? 1 : 0) }
        if let x = a.boolValue, let y = b.boolValue { return x == y ? 0 : (!x ? -1 : 1) }
        let x = a.jsonString(), y = b.jsonString()
        return x < y ? -1 : (x > y ? 1 : 0)
    }

    // MARK: Explore

    /// `Explore(...)`: the nearest objects across every class (all must share one distance metric).
    public func exploreQuery(_ r: ExploreRequest) async throws -> [ExploreHit] {
        guard !r.near.isEmpty else {
            throw DatabaseError.unprocessable(
                "received no search params, one of [nearVector, nearObject] or module search params is required for an exploration")
        }
        try r.near.validateExtraction()
        let classes = schema()
        let metrics = Array(Set(classes.map(\.distanceMetric)))
        if metrics.count > 1 {
            let list = classes.map { "\($0.className): \($0.distanceMetric.rawValue)" }.joined(separator: ", ")
            throw DatabaseError.unprocessable(
                "vector search across classes not possible: found different distance metrics: \(list)")
        }
        try await checkCertainty(metric: metrics.first ?? .cosine, requested: r.near.certainty != nil || r.certaintyRequested)
        let vector = try await searchVector(for: r.near, in: nil)
        let limit = (r.limit ?? -1) < 0 ? 20 : r.limit!
        let offset = max(0, r.offset ?? 0)
        if config.exceedsMaximumResults(offset: offset, limit: limit) {
            throw DatabaseError.unprocessable("query maximum results exceeded")
        }
        var all: [ExploreHit] = []
        // Multi-tenant classes are searched only with a tenant, which Explore has not.
        for cls in classes where !cls.multiTenancyEnabled {
            guard cls.laneCount == 1, let st = state(cls.className), try await engine.vectorCount(st, lane: 0) > 0 else { continue }
            do {
                let found = try await vectorSearch(className: cls.className, vector: vector, k: offset + limit)
                all += found.map { ExploreHit(className: cls.className, id: $0.object.id, distance: $0.distance) }
            } catch let e as DatabaseError where e.kind == .unprocessable {
                continue  // a class with vectors of another length cannot hold a match
            }
        }
        all.sort { $0.distance < $1.distance }
        let page = Array(all.dropFirst(offset).prefix(limit))
        let certainty = r.near.certainty, distance = r.near.distance
        return page.filter { hit in
            if let distance { return Double(hit.distance) <= distance + 1e-6 }
            if let certainty { return hit.certainty >= certainty }
            return true
        }
    }

    // MARK: Aggregate

    /// `Aggregate { <Class>(...) }`: the matching objects, grouped if asked; one group without groupBy.
    public func aggregateQuery(_ r: AggregateRequest) async throws -> [AggregateGroup] {
        guard let cls = getClass(r.className) else {
            throw DatabaseError.notFound("class '\(r.className)' not found")
        }
        let tenant = r.tenant
        _ = try await shardOf(named: cls.className, tenant: tenant)
        let needsObjects = r.needsObjects || r.groupBy != nil
        var objects: [WeaviateObject] = []
        var count = 0
        if let hybrid = r.hybrid {
            if !r.near.isEmpty {
                throw DatabaseError.unprocessable("conflict: both near<Media> and hybrid arguments present, choose one")
            }
            let allowList = try await allowList(r.filter, className: cls.className, tenant: tenant)
            let limit = min(max(0, r.objectLimit ?? config.queryMaximumResults), config.queryMaximumResults)
            objects = try await hybridGet(hybrid, cls, limit: limit, offset: 0, allowList: allowList,
                                          AdditionalSelection(), tenant: tenant).map(\.object)
            count = objects.count
        } else if !r.near.isEmpty {
            try r.near.validateExtraction()
            let certainty = r.near.certainty ?? r.near.distance.map { 1 - $0 / 2 }
            guard r.objectLimit != nil || (certainty ?? 0) != 0 else {
                throw DatabaseError.unprocessable("must provide certainty or objectLimit with vector search")
            }
            try await checkCertainty(metric: searchedMetric(r.near, cls), requested: r.near.certainty != nil)
            let vector = try await searchQuery(for: r.near, in: cls, tenant: tenant)
            let allowList = try await allowList(r.filter, className: cls.className, tenant: tenant)
            var hits: [GetHit]
            if let objectLimit = r.objectLimit {
                hits = try await vectorHits(cls, vector, k: max(0, objectLimit), maxDistance: nil, allowList: allowList,
                                      includeVector: false, withProperties: true, tenant: tenant)
                hits = postFilter(hits, certainty: r.near.certainty, distance: r.near.distance)
            } else {
                hits = try await vectorHits(cls, vector, k: config.queryMaximumResults,
                                      maxDistance: Float(r.near.maxDistance ?? 2), allowList: allowList, includeVector: false,
                                      withProperties: true, tenant: tenant)
            }
            objects = hits.map(\.object)
            count = objects.count
        } else if needsObjects {
            let ids = try await filterDocIDs(className: cls.className, filter: r.filter, tenant: tenant)
            objects = try await self.objects(className: cls.className, docIDs: ids, includeVector: false, tenant: tenant)
            count = objects.count
        } else {
            count = try await self.count(className: cls.className, filter: r.filter, tenant: tenant)
        }

        guard let path = r.groupBy, let property = path.first else {
            return [AggregateGroup(groupedBy: nil, count: count, objects: objects)]
        }
        guard cls.property(named: property) != nil else {
            throw DatabaseError.unprocessable("could not find property '\(property)' in class '\(cls.className)'")
        }
        var order: [String] = []
        var members: [String: [WeaviateObject]] = [:]
        for object in objects {
            guard let value = object.properties[property], !value.isNull else { continue }
            let values: [JSONValue]
            if case .array(let items) = value { values = items } else { values = [value] }
            for key in Set(values.map(groupValue)) {
                if members[key] == nil { order.append(key) }
                members[key, default: []].append(object)
            }
        }
        var groups = order.map { AggregateGroup(groupedBy: (path, $0), count: members[$0]!.count, objects: members[$0]!) }
        groups.sort { $0.count != $1.count ? $0.count > $1.count : $0.groupedBy!.value < $1.groupedBy!.value }
        if let limit = r.limit, limit >= 0 { groups = Array(groups.prefix(limit)) }
        return groups
    }

    /// The string form of a groupBy value (`groupedBy.value`).
    private func groupValue(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .bool(let b): return b ? "true" : "false"
        default: return v.jsonString()
        }
    }

    // MARK: References

    /// The objects `beacons` point to, in order; a beacon without a class is looked up in `targetClasses`.
    /// `tenant` (the referencing object's) is where targets of multi-tenant classes are looked up.
    public func referencedObjects(beacons: [String], targetClasses: [String], includeVector: Bool,
                                  tenant: String? = nil) async throws -> [WeaviateObject] {
        var out: [WeaviateObject] = []
        for beacon in beacons {
            guard let parsed = try? parseBeacon(beacon) else { continue }
            let candidates = parsed.className.map { [$0] } ?? targetClasses
            for className in candidates {
                let multiTenant = getClass(className)?.multiTenancyEnabled == true
                if multiTenant && (tenant ?? "").isEmpty { continue }  // no tenant to look in
                if let o = try await getObject(className: className, id: parsed.id, includeVector: includeVector,
                                               tenant: multiTenant ? tenant : nil) {
                    out.append(o)
                    break
                }
            }
        }
        return out
    }
}
