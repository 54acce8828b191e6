// Plain request and result types of the query engine (Get, Explore, Aggregate). They carry Weaviate's
// search semantics but know nothing about GraphQL: the GraphQL layer parses its arguments into these.
import VectorIndex

/// `nearVector { vector certainty distance }`.
public struct NearVectorParameter: Sendable, Equatable {
    public var vector: [Float]
    public var certainty: Double?
    public var distance: Double?
    /// Query vectors by named vector (`vectorPerTarget`), for a search of several named vectors.
    public var vectorPerTarget: [TargetVector] = []
    public init(vector: [Float], certainty: Double? = nil, distance: Double? = nil, vectorPerTarget: [TargetVector] = []) {
        self.vector = vector; self.certainty = certainty; self.distance = distance; self.vectorPerTarget = vectorPerTarget
    }
}

/// `nearObject { id beacon certainty distance }`: the query vector is the stored vector of that object.
public struct NearObjectParameter: Sendable, Equatable {
    public var id: String?
    public var beacon: String?
    public var certainty: Double?
    public var distance: Double?
    public init(id: String? = nil, beacon: String? = nil, certainty: Double? = nil, distance: Double? = nil) {
        self.id = id; self.beacon = beacon; self.certainty = certainty; self.distance = distance
    }
}

/// An object named by `id` or by `beacon` (`weaviate://host/[Class/]uuid`), as in nearText movements.
public struct ObjectReference: Sendable, Equatable {
    public var id: String?
    public var beacon: String?
    public init(id: String? = nil, beacon: String? = nil) { self.id = id; self.beacon = beacon }
}

/// `moveTo` / `moveAwayFrom` of nearText (reference 2.5).
public struct Movement: Sendable, Equatable {
    public var force: Double
    public var concepts: [String]?
    public var objects: [ObjectReference]?
    public init(force: Double, concepts: [String]? = nil, objects: [ObjectReference]? = nil) {
        self.force = force; self.concepts = concepts; self.objects = objects
    }
}

/// `nearText { concepts certainty distance moveTo moveAwayFrom }`, answered by the class's text vectorizer.
public struct NearTextParameter: Sendable, Equatable {
    public var concepts: [String]
    public var certainty: Double?
    public var distance: Double?
    public var moveTo: Movement?
    public var moveAwayFrom: Movement?
    public init(concepts: [String], certainty: Double? = nil, distance: Double? = nil,
                moveTo: Movement? = nil, moveAwayFrom: Movement? = nil) {
        self.concepts = concepts; self.certainty = certainty; self.distance = distance
        self.moveTo = moveTo; self.moveAwayFrom = moveAwayFrom
    }
}

/// `nearImage { image certainty distance }` with a base64 image, answered by the class's image vectorizer.
public struct NearImageParameter: Sendable, Equatable {
    public var image: String
    public var certainty: Double?
    public var distance: Double?
    public init(image: String, certainty: Double? = nil, distance: Double? = nil) {
        self.image = image; self.certainty = certainty; self.distance = distance
    }
}

/// A search argument provided by a vectorizer module rather than by the core (nearText, nearImage).
public enum ModuleNearParameter: Sendable, Equatable {
    case text(NearTextParameter)
    case image(NearImageParameter)

    /// The GraphQL/argument name Weaviate uses in messages.
    public var argumentName: String {
        switch self {
        case .text: return "nearText"
        case .image: return "nearImage"
        }
    }
    public var certainty: Double? {
        switch self { case .text(let p): return p.certainty; case .image(let p): return p.certainty }
    }
    public var distance: Double? {
        switch self { case .text(let p): return p.distance; case .image(let p): return p.distance }
    }
}

/// All near* arguments of one query, as given; the engine enforces that at most one is set.
public struct NearParameters: Sendable, Equatable {
    public var nearVector: NearVectorParameter?
    public var nearObject: NearObjectParameter?
    public var module: [ModuleNearParameter]
    /// The named vectors to search (nil: the class's only vector).
    public var targets: TargetVectors?
    public init(nearVector: NearVectorParameter? = nil, nearObject: NearObjectParameter? = nil,
                module: [ModuleNearParameter] = [], targets: TargetVectors? = nil) {
        self.nearVector = nearVector; self.nearObject = nearObject; self.module = module; self.targets = targets
    }
    public var isEmpty: Bool { nearVector == nil && nearObject == nil && module.isEmpty }
}

/// `bm25 { query properties }`: keyword search; a property may carry an integer boost (`"title^2"`).
public struct BM25Parameter: Sendable, Equatable {
    public var query: String
    /// nil or empty: every searchable text / text[] property.
    public var properties: [String]?
    public init(query: String, properties: [String]? = nil) { self.query = query; self.properties = properties }
}

/// How hybrid combines its keyword and vector result sets.
public enum HybridFusionType: Sendable, Equatable {
    /// 1.19's only method (and GraphQL's default): weight / (rank + 61) per set.
    case rankedFusion
    /// Weaviate ≥ 1.24's default: each set's scores min-max normalised to [0, 1], then weighted.
    case relativeScoreFusion
}

/// `hybrid { query alpha vector properties }`: bm25 and a vector search, fused.
public struct HybridParameter: Sendable, Equatable {
    public var query: String
    public var fusionType: HybridFusionType = .rankedFusion
    /// Weight of the vector search, in [0, 1]; nil means 0.75.
    public var alpha: Double?
    /// The vector search's vector; nil or empty: the class's vectorizer vectorises `query`.
    public var vector: [Float]?
    public var properties: [String]?
    /// Weaviate ≥ 1.26.3: only objects within this distance of the vector are results (the keyword half
    /// included).
    public var maxVectorDistance: Double?
    /// The named vectors the vector half searches (nil: the class's only vector).
    public var targets: TargetVectors?
    /// Query vectors by named vector, for a vector half over several named vectors.
    public var vectorPerTarget: [TargetVector] = []
    public init(query: String, alpha: Double? = nil, vector: [Float]? = nil, properties: [String]? = nil,
                maxVectorDistance: Double? = nil) {
        self.query = query; self.alpha = alpha; self.vector = vector; self.properties = properties
        self.maxVectorDistance = maxVectorDistance
    }
}

/// Which `_additional` fields a query asks for (the engine validates certainty against the metric).
public struct AdditionalSelection: Sendable, Equatable {
    public var id = false
    public var vector = false
    public var distance = false
    public var certainty = false
    public var creationTimeUnix = false
    public var lastUpdateTimeUnix = false
    public var score = false
    public var explainScore = false
    /// `group { hits { _additional { vector } } }`: the vectors of groupBy's group members.
    public var groupHitVector = false
    public init(id: Bool = false, vector: Bool = false, distance: Bool = false, certainty: Bool = false,
                creationTimeUnix: Bool = false, lastUpdateTimeUnix: Bool = false, score: Bool = false,
                explainScore: Bool = false, groupHitVector: Bool = false) {
        self.id = id; self.vector = vector; self.distance = distance; self.certainty = certainty
        self.creationTimeUnix = creationTimeUnix; self.lastUpdateTimeUnix = lastUpdateTimeUnix
        self.score = score; self.explainScore = explainScore; self.groupHitVector = groupHitVector
    }
}

/// `groupBy { path groups objectsPerGroup }`: a search's hits grouped by the value of one property.
public struct GroupByParameter: Sendable, Equatable {
    /// One property name (a primitive or a cross-reference); any other length is an unknown property.
    public var path: [String]
    /// At most this many groups, in the order their first member was found.
    public var groups: Int
    /// At most this many members per group, closest first.
    public var objectsPerGroup: Int
    public init(path: [String], groups: Int, objectsPerGroup: Int) {
        self.path = path; self.groups = groups; self.objectsPerGroup = objectsPerGroup
    }
}

/// `group { type force }`: results whose vectors are closer than `force` are folded into one.
public struct GroupParameter: Sendable, Equatable {
    public enum Strategy: String, Sendable, Equatable {
        /// Each group is answered by its first (closest) member.
        case closest
        /// Each group is answered by one object merged from all its members.
        case merge
    }
    /// nil: the type was not given (Weaviate then names an empty strategy in its error).
    public var type: Strategy?
    /// Members join a group when their normalised cosine distance `(1 − cos)/2` to one of its members is below it.
    public var force: Double
    public init(type: Strategy?, force: Double) { self.type = type; self.force = force }
}

/// `consistencyLevel` / `consistency_level`: how many replicas must answer. Iris has one node, so every
/// level is answered by it; the value is only validated.
public enum ConsistencyLevel: String, Sendable, Equatable, CaseIterable {
    case one = "ONE", quorum = "QUORUM", all = "ALL"

    /// Weaviate's check of the REST query parameter (400 with this message when it is not a level).
    public static func parse(_ raw: String?) throws -> ConsistencyLevel? {
        guard let raw else { return nil }
        guard let level = ConsistencyLevel(rawValue: raw) else {
            throw DatabaseError(.badRequest,
                "unrecognized consistency level \"\(raw)\", try one of the following: ['ONE', 'QUORUM', 'ALL']")
        }
        return level
    }
}

// MARK: Get

/// `Get { <Class>(...) }`.
public struct GetRequest: Sendable, Equatable {
    public var className: String
    public var filter: WhereFilter?
    /// nil (or negative): not set — see the limit rules of reference 3.4.
    public var limit: Int?
    public var offset: Int?
    /// Cursor: continue after this object id (no where, sort or near with it).
    public var after: String?
    public var sort: [SortSpec]
    public var near: NearParameters
    public var bm25: BM25Parameter?
    public var hybrid: HybridParameter?
    public var additional: AdditionalSelection
    /// The tenant to search (multi-tenant classes only).
    public var tenant: String?
    /// Cut the results of a search after this many jumps in distance or score (Autocut.swift).
    public var autocut: Int?
    /// Group the hits of a search by a property (each result then carries its `group`).
    public var groupBy: GroupByParameter?
    /// Fold results with close vectors together (1.19's `group` argument).
    public var group: GroupParameter?
    /// Accepted and answered by this node (one node: every level is met).
    public var consistencyLevel: ConsistencyLevel?
    /// false when the caller selected no property (only `_additional`, or gRPC metadata): a vector
    /// search's hits then skip reading them (a multi2vec-clip class stores its images among them, hundreds
    /// of KB each). Sorting, groupBy and group read them anyway, and the hits then carry `{}`.
    public var needsProperties = true

    public init(className: String, filter: WhereFilter? = nil, limit: Int? = nil, offset: Int? = nil,
                after: String? = nil, sort: [SortSpec] = [], near: NearParameters = NearParameters(),
                bm25: BM25Parameter? = nil, hybrid: HybridParameter? = nil,
                additional: AdditionalSelection = AdditionalSelection()) {
        self.className = className; self.filter = filter; self.limit = limit; self.offset = offset
        self.after = after; self.sort = sort; self.near = near; self.bm25 = bm25; self.hybrid = hybrid
        self.additional = additional
    }
}

/// One object of a Get result; `distance` is set only for vector searches, `score` and `explainScore`
/// only for bm25 and hybrid, `group` only with groupBy (the object is then its group's first member).
public struct GetHit: Sendable, Equatable {
    public var object: WeaviateObject
    public var distance: Float?
    public var score: Float?
    public var explainScore: String?
    public var group: HitGroup?
    public init(object: WeaviateObject, distance: Float? = nil, score: Float? = nil, explainScore: String? = nil) {
        self.object = object; self.distance = distance; self.score = score; self.explainScore = explainScore
    }
    /// `1 − d/2` (meaningful for cosine only; the engine rejects certainty for other metrics).
    public var certainty: Double? { distance.map { 1 - Double($0) / 2 } }
    /// `_additional { isConsistent }`: one node holds the only replica, so every read agrees with itself.
    public var isConsistent: Bool { true }
}

/// `_additional { group { id groupedBy { value path } count minDistance maxDistance hits } }`.
public struct HitGroup: Sendable, Equatable {
    /// The group's position in the answer, from 0.
    public var id: Int
    /// The property value shared by the members (a reference's beacon; "" when the property is missing).
    public var value: String
    public var path: [String]
    /// The members, closest first; each has its object and distance (a search without distances: nil).
    public var hits: [GetHit]
    public var count: Int { hits.count }
    /// Distance of the first and of the last member (0 without distances).
    public var minDistance: Float { hits.first?.distance ?? 0 }
    public var maxDistance: Float { hits.last?.distance ?? 0 }
    public init(id: Int, value: String, path: [String], hits: [GetHit]) {
        self.id = id; self.value = value; self.path = path; self.hits = hits
    }
}

// MARK: Explore

/// `Explore(limit offset nearVector|nearObject|nearText|nearImage)` across all classes.
public struct ExploreRequest: Sendable, Equatable {
    public var near: NearParameters
    public var limit: Int?
    public var offset: Int?
    /// `certainty` is among the selected fields (an error unless the metric is cosine).
    public var certaintyRequested: Bool
    public init(near: NearParameters, limit: Int? = nil, offset: Int? = nil, certaintyRequested: Bool = false) {
        self.near = near; self.limit = limit; self.offset = offset; self.certaintyRequested = certaintyRequested
    }
}

public struct ExploreHit: Sendable, Equatable {
    public var className: String
    public var id: String
    public var distance: Float
    public init(className: String, id: String, distance: Float) {
        self.className = className; self.id = id; self.distance = distance
    }
    public var beacon: String { "weaviate://localhost/\(className)/\(id)" }
    public var certainty: Double { 1 - Double(distance) / 2 }
}

// MARK: Aggregate

/// `Aggregate { <Class>(where groupBy limit objectLimit near*) }`.
public struct AggregateRequest: Sendable, Equatable {
    public var className: String
    public var filter: WhereFilter?
    /// The property path to group by (`groupBy: ["prop"]`).
    public var groupBy: [String]?
    /// The maximum number of groups.
    public var limit: Int?
    /// With a vector search: how many nearest objects to aggregate.
    public var objectLimit: Int?
    /// The tenant to aggregate (multi-tenant classes only).
    public var tenant: String?
    public var near: NearParameters
    /// Aggregate the results of a hybrid search (Weaviate ≥ 1.26), at most `objectLimit` of them.
    public var hybrid: HybridParameter?
    /// False when only `meta { count }` is asked for without groupBy (no objects are loaded then).
    public var needsObjects: Bool

    public init(className: String, filter: WhereFilter? = nil, groupBy: [String]? = nil, limit: Int? = nil,
                objectLimit: Int? = nil, near: NearParameters = NearParameters(), needsObjects: Bool = true) {
        self.className = className; self.filter = filter; self.groupBy = groupBy; self.limit = limit
        self.objectLimit = objectLimit; self.near = near; self.needsObjects = needsObjects
    }
}

/// One group of an Aggregate result (the whole match when there is no groupBy).
public struct AggregateGroup: Sendable {
    /// `groupedBy { path value }`; nil without groupBy.
    public var groupedBy: (path: [String], value: String)?
    public var count: Int
    /// The group's objects (empty when the request did not need them).
    public var objects: [WeaviateObject]
    public init(groupedBy: (path: [String], value: String)?, count: Int, objects: [WeaviateObject]) {
        self.groupedBy = groupedBy; self.count = count; self.objects = objects
    }
}
