/// A stored object as the API returns it (`models.Object`).
public struct WeaviateObject: Sendable, Equatable {
    /// The class name (`"class"` on the wire).
    public var className: String
    /// The UUID, lower-case for objects created through `createObject`.
    public var id: String
    /// Property values, normalised to the class's types (ints as `.int`, numbers as `.double`,
    /// references as `[{"beacon": …, "href": …}]`).
    public var properties: [String: JSONValue]
    /// The stored (unnormalised) vector; nil when the object has none or it was not requested. For a
    /// class with named vectors, the first one's.
    public var vector: [Float]?
    /// The name of `vector` when the class has named vectors.
    public var vectorName: String?
    /// The object's further named vectors by name (a class's second and later named vectors), when
    /// vectors were requested.
    public var moreVectors: [String: [Float]] = [:]

    /// Every named vector of the object (empty for a class without named vectors).
    public var vectors: [String: [Float]] {
        guard let vectorName else { return [:] }
        var out = moreVectors
        out[vectorName] = vector
        return out
    }
    /// Milliseconds since the Unix epoch.
    public var creationTimeUnix: Int64
    /// Milliseconds since the Unix epoch.
    public var lastUpdateTimeUnix: Int64
    /// `additional` (e.g. classification); nil unless present.
    public var additional: [String: JSONValue]?
    /// The store's document id of this object within its class (the vector index label).
    public var docID: UInt64
    /// The tenant holding the object (multi-tenant classes); shown as `tenant` on the wire.
    public var tenant: String?

    public init(
        className: String, id: String, properties: [String: JSONValue] = [:], vector: [Float]? = nil,
        creationTimeUnix: Int64 = 0, lastUpdateTimeUnix: Int64 = 0, additional: [String: JSONValue]? = nil,
        docID: UInt64 = 0, tenant: String? = nil
    ) {
        self.tenant = tenant
        self.className = className
        self.id = id
        self.properties = properties
        self.vector = vector
        self.creationTimeUnix = creationTimeUnix
        self.lastUpdateTimeUnix = lastUpdateTimeUnix
        self.additional = additional
        self.docID = docID
    }

    /// The vector of lane `lane` (named vector) of class `cls`.
    public func vector(lane: Int, of cls: ClassDefinition) -> [Float]? {
        guard lane > 0 else { return vector }
        let names = cls.vectorNames
        return lane < names.count ? moreVectors[names[lane]] : nil
    }

    /// The beacon of this object: `weaviate://localhost/<Class>/<id>`.
    public var beacon: String { "weaviate://localhost/\(className)/\(id)" }

    /// Weaviate's JSON shape: `{class, id, properties, vector?, creationTimeUnix, lastUpdateTimeUnix, additional?}`.
    public func json(includeVector: Bool = true) -> JSONValue {
        var o: [String: JSONValue] = [
            "class": .string(className), "id": .string(id), "properties": .object(properties),
            "creationTimeUnix": .int(creationTimeUnix), "lastUpdateTimeUnix": .int(lastUpdateTimeUnix),
        ]
        if includeVector, let v = vector { o["vector"] = .array(v.map { .double(Double($0)) }) }
        if let a = additional { o["additional"] = .object(a) }
        if let t = tenant { o["tenant"] = .string(t) }
        return .object(o)
    }
}

/// An object as a request supplies it (POST/PUT/PATCH /v1/objects, batch items, validate).
public struct ObjectInput: Sendable, Equatable, Codable {
    /// `"class"` on the wire; may be nil on the legacy id-only paths or PATCH.
    public var className: String?
    public var id: String?
    /// nil when the body had no `properties` (PATCH without properties keeps the old ones).
    public var properties: [String: JSONValue]?
    /// The vector given as `vector` (the class's first or only vector).
    public var vector: [Float]?
    /// Vectors given by name (`vectors: {name: …}`), for a class with named vectors.
    public var namedVectors: [String: [Float]] = [:]
    /// The tenant to write to (multi-tenant classes only).
    public var tenant: String?

    enum CodingKeys: String, CodingKey {
        case className = "class"
        case id, properties, vector, tenant
    }

    public init(className: String? = nil, id: String? = nil, properties: [String: JSONValue]? = nil, vector: [Float]? = nil,
                namedVectors: [String: [Float]] = [:], tenant: String? = nil) {
        self.tenant = tenant
        self.className = className
        self.id = id
        self.properties = properties
        self.vector = vector
        self.namedVectors = namedVectors
    }
}

/// A cross-reference as requests supply it: `{"beacon": "weaviate://localhost/<Class>/<uuid>"}`.
public struct ReferenceInput: Sendable, Equatable, Codable {
    public var beacon: String
    public init(beacon: String) { self.beacon = beacon }
}

/// `GET /v1/objects` parameters.
public struct ListObjectsQuery: Sendable, Equatable {
    public var className: String?
    /// nil: `DatabaseConfig.queryDefaultsLimit`.
    public var limit: Int?
    public var offset: Int?
    /// Cursor: the id after which to continue (only with `className`, not with offset or sort).
    public var after: String?
    public var includeVector: Bool
    /// Property names (or `_creationTimeUnix`, `_lastUpdateTimeUnix`, `id`) to sort by, in order.
    public var sort: [String]
    /// `asc` / `desc` per sort entry (missing entries: asc).
    public var order: [String]
    /// `?tenant=`: the tenant to list (multi-tenant classes only).
    public var tenant: String?

    public init(
        className: String? = nil, limit: Int? = nil, offset: Int? = nil, after: String? = nil,
        includeVector: Bool = false, sort: [String] = [], order: [String] = [], tenant: String? = nil
    ) {
        self.tenant = tenant
        self.className = className
        self.limit = limit
        self.offset = offset
        self.after = after
        self.includeVector = includeVector
        self.sort = sort
        self.order = order
    }
}

/// The result of one item of `POST /v1/batch/objects`, in input order.
public struct BatchObjectResult: Sendable, Equatable {
    /// The stored object (or, on failure, the input echoed as far as it could be read).
    public var object: WeaviateObject
    /// nil on success; Weaviate's message otherwise (rendered as `result.errors.error[0].message`).
    public var error: String?
    public init(object: WeaviateObject, error: String?) { self.object = object; self.error = error }
}

/// One item of `POST /v1/batch/references`.
public struct BatchReferenceInput: Sendable, Equatable, Codable {
    /// `weaviate://localhost/<Class>/<uuid>/<prop>`.
    public var from: String
    /// `weaviate://localhost/<Class>/<uuid>` (or the legacy `weaviate://localhost/<uuid>`).
    public var to: String
    /// The tenant of the source object (multi-tenant classes only).
    public var tenant: String?
    public init(from: String, to: String, tenant: String? = nil) { self.from = from; self.to = to; self.tenant = tenant }
}

/// The result of one item of `POST /v1/batch/references`: `error == nil` is SUCCESS.
public struct BatchReferenceResult: Sendable, Equatable {
    public var from: String
    public var to: String
    public var error: String?
    public init(from: String, to: String, error: String?) { self.from = from; self.to = to; self.error = error }
}

/// The result of `DELETE /v1/batch/objects`.
public struct BatchDeleteResult: Sendable, Equatable {
    public struct Item: Sendable, Equatable {
        public var id: String
        /// `SUCCESS`, `DRYRUN` or `FAILED`.
        public var status: String
        public var error: String?
        public init(id: String, status: String, error: String?) { self.id = id; self.status = status; self.error = error }
    }
    /// How many objects matched the filter, at most QUERY_MAXIMUM_RESULTS (Weaviate searches with that limit).
    public var matches: Int
    /// QUERY_MAXIMUM_RESULTS.
    public var limit: Int
    public var successful: Int
    public var failed: Int
    /// Every processed object with `verbose`, only FAILED ones with `minimal`.
    public var objects: [Item]

    public init(matches: Int, limit: Int, successful: Int, failed: Int, objects: [Item]) {
        self.matches = matches
        self.limit = limit
        self.successful = successful
        self.failed = failed
        self.objects = objects
    }
}

/// A shard of a class (`GET /v1/schema/{class}/shards`). Iris has one shard per class, named after the node.
public struct ShardStatus: Sendable, Equatable {
    public var name: String
    /// `READY` or `READONLY`.
    public var status: String
    public init(name: String, status: String) { self.name = name; self.status = status }
}
