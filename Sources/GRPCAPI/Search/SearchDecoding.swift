// `weaviate.v1.SearchRequest` → the Database's `GetRequest`: the request GraphQL's Get resolver builds,
// so gRPC and GraphQL run one query engine. What the request asks to get back is kept beside it.
import Database

/// A decoded Search: the query, and what to put in each result.
struct SearchPlan {
    var get: GetRequest
    var returns: ReturnSelection
}

/// Which properties and metadata a Search returns.
struct ReturnSelection {
    /// nil: every non-reference property (the client omits `properties` when the user named none).
    var properties: [String]?
    var references: [Weaviate_V1_RefPropertiesRequest] = []
    var metadata: Weaviate_V1_MetadataRequest
    /// The fields asked for inside object properties, by property name.
    var objectFields: [String: Weaviate_V1_ObjectPropertiesRequest] = [:]
}

struct SearchDecoding {
    let cls: ClassDefinition
    let classNamed: (String) -> ClassDefinition?
    /// Used when the request has no limit (QUERY_DEFAULTS_LIMIT, else Weaviate 1.27's default of 10).
    let defaultLimit: Int

    func decode(_ r: Weaviate_V1_SearchRequest) throws(GRPCAPIError) -> SearchPlan {
        try rejectUnsupported(r)
        var get = GetRequest(className: cls.className)
        get.tenant = r.tenant.isEmpty ? nil : r.tenant  // checked by the Database (Weaviate's messages)
        if r.hasConsistencyLevel {
            switch r.consistencyLevel {
            case .one: get.consistencyLevel = .one
            case .quorum: get.consistencyLevel = .quorum
            case .all: get.consistencyLevel = .all
            case .unspecified: break
            case .UNRECOGNIZED(let n): throw .invalidArgument("unrecognized consistency level \(n)")
            }
        }
        if r.hasFilters { get.filter = try FilterDecoding(cls: cls, classNamed: classNamed).decode(r.filters) }
        get.offset = r.offset > 0 ? Int(r.offset) : nil
        get.after = r.after.isEmpty ? nil : r.after
        get.sort = r.sortBy.map { SortSpec(path: $0.path, ascending: $0.ascending) }

        if r.hasNearVector {
            get.near.nearVector = try nearVector(r.nearVector)
            get.near.targets = try targets(r.nearVector.targetVectors, r.nearVector.hasTargets ? r.nearVector.targets : nil)
        }
        if r.hasNearObject {
            let p = r.nearObject
            get.near.targets = try targets(p.targetVectors, p.hasTargets ? p.targets : nil)
            get.near.nearObject = NearObjectParameter(id: p.id, certainty: p.hasCertainty ? p.certainty : nil,
                                                      distance: p.hasDistance ? p.distance : nil)
        }
        if r.hasNearText {
            get.near.module.append(.text(try nearText(r.nearText)))
            get.near.targets = try targets(r.nearText.targetVectors, r.nearText.hasTargets ? r.nearText.targets : nil)
        }
        if r.hasNearImage {
            let p = r.nearImage
            get.near.targets = try targets(p.targetVectors, p.hasTargets ? p.targets : nil)
            get.near.module.append(.image(NearImageParameter(image: p.image, certainty: p.hasCertainty ? p.certainty : nil,
                                                             distance: p.hasDistance ? p.distance : nil)))
        }
        if r.hasBm25Search {
            if r.bm25Search.hasSearchOperator, r.bm25Search.searchOperator.operator == .and {
                throw .unimplemented("bm25: the 'And' search operator is not supported by Iris (Weaviate 1.19 bm25 matches any token)")
            }
            get.bm25 = BM25Parameter(query: r.bm25Search.query,
                                     properties: r.bm25Search.properties.isEmpty ? nil : r.bm25Search.properties)
        }
        if r.hasHybridSearch { get.hybrid = try hybrid(r.hybridSearch) }
        if r.hasGroupBy {
            // Weaviate ≥ 1.27 checks the path here; the Database checks the property and the search.
            guard r.groupBy.path.count == 1 else {
                throw .invalidArgument("groupby path can only have one entry, received \(r.groupBy.path)")
            }
            get.groupBy = GroupByParameter(path: r.groupBy.path, groups: Int(r.groupBy.numberOfGroups),
                                           objectsPerGroup: Int(r.groupBy.objectsPerGroup))
        }

        // No limit with a distance or certainty threshold: everything within it (search by distance),
        // as GraphQL does; otherwise the default page.
        let n = get.near
        let threshold = n.nearVector.map { $0.certainty != nil || $0.distance != nil } ?? false
            || n.nearObject.map { $0.certainty != nil || $0.distance != nil } ?? false
            || n.module.contains { $0.certainty != nil || $0.distance != nil }
        if r.autocut > 0 { get.autocut = Int(r.autocut) }
        if r.limit > 0 {
            get.limit = Int(r.limit)
        } else if !threshold || get.bm25 != nil || get.hybrid != nil {
            get.limit = defaultLimit
        }

        let m = r.hasMetadata ? r.metadata : Weaviate_V1_MetadataRequest()
        for name in m.vectors { try checkVectorName(name) }
        get.additional = AdditionalSelection(
            id: true, vector: m.vector || !m.vectors.isEmpty, distance: m.distance, certainty: m.certainty,
            creationTimeUnix: m.creationTimeUnix, lastUpdateTimeUnix: m.lastUpdateTimeUnix,
            score: m.score, explainScore: m.explainScore)

        if get.groupBy != nil {
            // Group members carry only id, vector and distance (Weaviate's reply for groups).
            get.additional.groupHitVector = get.additional.vector
        }
        var returns = ReturnSelection(properties: nil, metadata: m)
        if r.hasProperties {
            let p = r.properties
            let named = p.nonRefProperties + p.objectProperties.map(\.propName)
            for o in p.objectProperties { returns.objectFields[o.propName] = o }
            for name in named where cls.property(named: name) == nil {
                throw .invalidArgument("could not find property '\(name)' in class '\(cls.className)'")
            }
            returns.properties = p.returnAllNonrefProperties ? nil : named
            returns.references = p.refProperties
        }
        // `return_properties=[]` (metadata only): the hits' stored properties need not be read.
        get.needsProperties = !(returns.properties?.isEmpty == true && returns.references.isEmpty)
        return SearchPlan(get: get, returns: returns)
    }

    private func rejectUnsupported(_ r: Weaviate_V1_SearchRequest) throws(GRPCAPIError) {
        if r.hasGenerative { throw .unimplemented("generative search needs a generative module; Iris has none") }
        if r.hasRerank { throw .unimplemented("rerank needs a reranker module; Iris has none") }
        if r.hasBoost { throw .unimplemented("boost is not supported by Iris") }
        for (present, name) in [(r.hasNearAudio, "nearAudio"), (r.hasNearVideo, "nearVideo"), (r.hasNearDepth, "nearDepth"),
                                (r.hasNearThermal, "nearThermal"), (r.hasNearImu, "nearIMU")] where present {
            throw .invalidArgument("\(name) is not available on class '\(cls.className)': no enabled module offers it")
        }
    }

    /// A vector name of the class; a class without named vectors answers to "default" (the client's
    /// name for an unnamed vector).
    private func checkVectorName(_ name: String) throws(GRPCAPIError) {
        if cls.vectorName == nil, name == "default" { return }
        guard cls.lane(named: name) != nil else {
            throw .invalidArgument(cls.vectorName == nil
                ? "class '\(cls.className)' has no named vector '\(name)': it has one unnamed vector"
                : "class '\(cls.className)' does not have named vector \"\(name)\" configured. Available named vectors: \(cls.vectorNames)")
        }
    }

    /// `targets` (or the deprecated `target_vectors`): the named vectors a search runs on and how their
    /// distances join; nil when none are named (or a class without named vectors is named "default").
    private func targets(_ legacy: [String], _ t: Weaviate_V1_Targets?) throws(GRPCAPIError) -> TargetVectors? {
        let names = t.map(\.targetVectors).flatMap { $0.isEmpty ? nil : $0 } ?? legacy
        guard !names.isEmpty else { return nil }
        for name in names { try checkVectorName(name) }
        if cls.vectorName == nil { return nil }  // only "default": the one vector
        var join = TargetVectors.Join.minimum
        switch t?.combination ?? .unspecified {
        case .unspecified, .typeMin: join = .minimum
        case .typeSum: join = .sum
        case .typeAverage: join = .average
        case .typeRelativeScore: join = .relativeScore
        case .typeManual: join = .manualWeights
        case .UNRECOGNIZED(let n): throw .invalidArgument("unrecognized combination method \(n)")
        }
        return TargetVectors(names: names, join: join, weights: (t?.weightsForTargets ?? []).map { Double($0.weight) })
    }

    private func nearVector(_ p: Weaviate_V1_NearVector) throws(GRPCAPIError) -> NearVectorParameter {
        var perTarget: [TargetVector] = []
        for v in p.vectorForTargets {
            if !v.vectorBytes.isEmpty { perTarget.append(TargetVector(name: v.name, vector: try WireFormats.float32s(v.vectorBytes))) }
            for one in v.vectors {
                guard one.type != .multiFp32 else { throw .invalidArgument("near_vector: multi-vectors are not supported by Iris") }
                perTarget.append(TargetVector(name: v.name, vector: try WireFormats.float32s(one.vectorBytes)))
            }
        }
        for (name, bytes) in p.vectorPerTarget.sorted(by: { $0.key < $1.key }) {
            perTarget.append(TargetVector(name: name, vector: try WireFormats.float32s(bytes)))
        }
        var vector: [Float] = []
        if !p.vectorBytes.isEmpty {
            vector = try WireFormats.float32s(p.vectorBytes)
        } else if let single = p.vectors.first {
            guard p.vectors.count == 1, single.type != .multiFp32 else {
                throw .invalidArgument("near_vector: multi-vectors are not supported by Iris")
            }
            vector = try WireFormats.float32s(single.vectorBytes)
        } else {
            vector = p.vector
        }
        return NearVectorParameter(vector: vector, certainty: p.hasCertainty ? p.certainty : nil,
                                   distance: p.hasDistance ? p.distance : nil, vectorPerTarget: perTarget)
    }

    private func nearText(_ p: Weaviate_V1_NearTextSearch) throws(GRPCAPIError) -> NearTextParameter {
        func move(_ m: Weaviate_V1_NearTextSearch.Move) -> Movement {
            Movement(force: Double(m.force), concepts: m.concepts.isEmpty ? nil : m.concepts,
                     objects: m.uuids.isEmpty ? nil : m.uuids.map { ObjectReference(id: $0) })
        }
        return NearTextParameter(concepts: p.query, certainty: p.hasCertainty ? p.certainty : nil,
                                 distance: p.hasDistance ? p.distance : nil,
                                 moveTo: p.hasMoveTo ? move(p.moveTo) : nil,
                                 moveAwayFrom: p.hasMoveAway ? move(p.moveAway) : nil)
    }

    private func hybrid(_ h: Weaviate_V1_Hybrid) throws(GRPCAPIError) -> HybridParameter {
        if h.hasNearText {
            throw .unimplemented("hybrid with a near_text sub-search is not supported by Iris yet")
        }
        if h.hasBm25SearchOperator, h.bm25SearchOperator.operator == .and {
            throw .unimplemented("hybrid: the 'And' bm25 operator is not supported by Iris")
        }
        var vector: [Float]? = nil
        var perTarget: [TargetVector] = []
        var threshold: Double?
        if !h.vectorBytes.isEmpty {
            vector = try WireFormats.float32s(h.vectorBytes)
        } else if h.hasNearVector {
            let near = try nearVector(h.nearVector)
            vector = near.vector.isEmpty ? nil : near.vector
            perTarget = near.vectorPerTarget
            threshold = near.distance ?? near.certainty.map { 2 * (1 - $0) }
        } else if let v = h.vectors.first {
            vector = try WireFormats.float32s(v.vectorBytes)
        } else if !h.vector.isEmpty {
            vector = h.vector
        }
        let alpha = h.useAlphaParam ? h.alphaParam : h.alpha
        var p = HybridParameter(query: h.query, alpha: Double(alpha), vector: vector,
                                properties: h.properties.isEmpty ? nil : h.properties)
        // Weaviate ≥ 1.24 fuses by relative score unless ranked fusion is asked for.
        p.fusionType = h.fusionType == .ranked ? .rankedFusion : .relativeScoreFusion
        if case .vectorDistance(let d)? = h.threshold { p.maxVectorDistance = Double(d) } else if let threshold { p.maxVectorDistance = threshold }
        p.targets = try targets(h.targetVectors, h.hasTargets ? h.targets : nil)
        p.vectorPerTarget = perTarget
        return p
    }
}
