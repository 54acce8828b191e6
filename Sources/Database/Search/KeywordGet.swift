// Get with `bm25` or `hybrid` (Weaviate 1.19 `explorer.go` getClassKeywordBased and Hybrid): argument
// conflicts, limits, the where allow-list, and the vector half of hybrid (given, or the class's text
// vectorizer on the query, or none when alpha is 0).
import VectorIndex

/// Hybrid's sub-searches fetch at least this many results each (`hybrid.DefaultLimit`).
let hybridSubSearchMinimum = 100

extension Database {
    /// The bm25 / hybrid branch of `getQuery`.
    func keywordGet(_ r: GetRequest, _ cls: ClassDefinition) async throws -> [GetHit] {
        let tenant = r.tenant
        if r.bm25 != nil && r.hybrid != nil {
            throw DatabaseError.unprocessable("conflict: both bm25 and hybrid arguments present, choose one")
        }
        if !r.near.isEmpty {
            throw DatabaseError.unprocessable(r.bm25 != nil
                ? "conflict: both near<Media> and keyword-based (bm25) arguments present, choose one"
                : "conflict: both near<Media> and hybrid arguments present, choose one")
        }
        if r.after != nil {
            throw DatabaseError.unprocessable("invalid cursor: 'after' parameter cannot be combined with 'bm25' or 'hybrid'")
        }
        let limit = (r.limit ?? -1) < 0 ? (r.offset == nil ? 100 : config.queryDefaultsLimit) : r.limit!
        let offset = max(0, r.offset ?? 0)
        if config.exceedsMaximumResults(offset: offset, limit: limit) {
            throw DatabaseError.unprocessable("query maximum results exceeded")
        }
        let allowList = try await allowList(r.filter, className: cls.className, tenant: tenant)
        if let bm25 = r.bm25 {
            return try await bm25Get(bm25, cls, limit: limit, offset: offset, allowList: allowList, r.additional, tenant: tenant)
        }
        return try await hybridGet(r.hybrid!, cls, limit: limit, offset: offset, allowList: allowList, r.additional, tenant: tenant)
    }

    private func bm25Get(_ p: BM25Parameter, _ cls: ClassDefinition, limit: Int, offset: Int, allowList: AllowList?,
                         _ additional: AdditionalSelection, tenant: String?) async throws -> [GetHit] {
        if p.query.isEmpty { throw DatabaseError.unprocessable("keyword search (bm25) must have query set") }
        let found: [KeywordHit]
        do {
            found = try await keywordSearch(className: cls.className, query: p.query, properties: p.properties,
                                      allowList: allowList, limit: offset + limit, tenant: tenant)
        } catch let e as DatabaseError {
            throw DatabaseError(e.kind, "explorer: get class: vector search: " + e.message)
        }
        let page = Array(found.dropFirst(offset))
        let objects = try await self.objects(className: cls.className, docIDs: page.map(\.docID), includeVector: additional.vector, tenant: tenant)
        let byDoc = Dictionary(uniqueKeysWithValues: page.map { ($0.docID, $0) })
        return objects.map { o in
            let hit = byDoc[o.docID]!
            return GetHit(object: o, score: hit.score, explainScore: hit.explanation)
        }
    }

    func hybridGet(_ p: HybridParameter, _ cls: ClassDefinition, limit: Int, offset: Int, allowList: AllowList?,
                   _ additional: AdditionalSelection, tenant: String?) async throws -> [GetHit] {
        let alpha = p.alpha ?? 0.75
        guard alpha >= 0, alpha <= 1 else {
            throw DatabaseError.unprocessable("hybrid: alpha must be between 0 and 1 (inclusive), got \(alpha)")
        }
        let total = offset + limit
        let subLimit = max(total, hybridSubSearchMinimum)
        var sets: [[FusionCandidate]] = []
        var weights: [Double] = []
        // With maxVectorDistance the vector half is everything within the distance (up to
        // QUERY_MAXIMUM_RESULTS), and only those objects can be results.
        var withinDistance: [(object: WeaviateObject, distance: Float)]?
        let vectorHalf = alpha > 0 || p.maxVectorDistance != nil ? try await hybridVector(p, cls) : nil
        if let maxDistance = p.maxVectorDistance {
            guard let vector = vectorHalf else {
                throw DatabaseError.unprocessable("hybrid: maxVectorDistance needs a vector or a query to vectorise")
            }
            do {
                withinDistance = allowList?.count == 0 ? [] : try await vectorSearch(
                    className: cls.className, query: vector, k: config.queryMaximumResults,
                    maxDistance: Float(maxDistance), allowList: allowList, includeVector: additional.vector, tenant: tenant)
            } catch let e as DatabaseError {
                throw DatabaseError(e.kind, "explorer: get class: hybrid: dense search: " + e.message)
            }
        }
        let allowed = withinDistance.map { Set($0.map(\.object.id)) }

        if alpha < 1, !p.query.isEmpty {
            let found: [KeywordHit]
            do {
                found = try await keywordSearch(className: cls.className, query: p.query, properties: p.properties,
                                          allowList: allowList, limit: subLimit, tenant: tenant)
            } catch let e as DatabaseError {
                throw DatabaseError(e.kind, "explorer: get class: hybrid: sparse search: " + e.message)
            }
            let objects = try await self.objects(className: cls.className, docIDs: found.map(\.docID), includeVector: additional.vector, tenant: tenant)
            let scores = Dictionary(uniqueKeysWithValues: found.map { ($0.docID, $0.score) })
            sets.append(objects.filter { allowed?.contains($0.id) ?? true }.map {
                FusionCandidate(id: $0.id, object: $0, explanation: "(bm25)", secondary: Double(scores[$0.docID] ?? 0))
            })
            weights.append(1 - alpha)
        }

        if alpha > 0, let vector = vectorHalf {
            if allowList?.count != 0 {
                let found: [(object: WeaviateObject, distance: Float)]
                do {
                    if let withinDistance {
                        found = withinDistance
                    } else {
                        found = try await vectorSearch(className: cls.className, query: vector, k: subLimit, allowList: allowList,
                                                       includeVector: additional.vector, tenant: tenant)
                    }
                } catch let e as DatabaseError {
                    throw DatabaseError(e.kind, "explorer: get class: hybrid: dense search: " + e.message)
                }
                let shown = goVectorString(vector.firstVector)
                sets.append(found.map {
                    FusionCandidate(id: $0.object.id, object: $0.object, explanation: "(vector) \(shown)  ",
                                    secondary: 1 - Double($0.distance))
                })
            } else {
                sets.append([])
            }
            weights.append(alpha)
        }

        let fused = p.fusionType == .relativeScoreFusion
            ? relativeScoreFusion(weights: weights, sets: sets)
            : reciprocalRankFusion(weights: weights, sets: sets)
        return fused.prefix(total).dropFirst(offset).map {
            GetHit(object: $0.object, score: $0.score, explainScore: $0.explanation)
        }
    }

    /// The vector half of hybrid, per searched named vector: the vector given for it, else the given
    /// vector, else that named vector's text module on the query; nil when there is neither a vector nor
    /// a query.
    private func hybridVector(_ p: HybridParameter, _ cls: ClassDefinition) async throws -> VectorQuery? {
        let lanes: [(lane: Int, name: String?, weight: Double)]
        do { lanes = try targetLanes(p.targets, cls) } catch let e as DatabaseError {
            throw DatabaseError(e.kind, "explorer: get class: hybrid: " + e.message)
        }
        var picker = TargetVectorPicker(given: p.vectorPerTarget)
        var parts: [LaneQuery] = []
        for (lane, name, weight) in lanes {
            let vector: [Float]
            if let name, let v = try picker.next(for: name, "explorer: get class: hybrid: vector") {
                vector = v
            } else if let v = p.vector, !v.isEmpty {
                try ValueFormats.checkFinite(v, "explorer: get class: hybrid: vector")
                vector = v
            } else {
                guard !p.query.isEmpty else { return nil }
                let target = cls.lane(lane)
                guard let module = modules.nearSearchVectorizer(for: target), module.nearArguments.contains(.nearText) else {
                    throw DatabaseError.unprocessable(
                        "explorer: get class: hybrid: class '\(cls.className)' has no vectorizer module that vectorizes text (vectorizer: \(target.vectorizerName)): give hybrid a vector, or set alpha: 0")
                }
                vector = try await prefixingModuleErrors("explorer: get class: hybrid: vectorize query: ") {
                    try await module.vectorize(text: p.query, class: target)
                }
            }
            parts.append(LaneQuery(lane: lane, vector: vector, weight: weight))
        }
        return VectorQuery(parts: parts, join: p.targets?.join ?? .minimum)
    }
}
