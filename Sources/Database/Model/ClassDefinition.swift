import VectorIndex

/// A class of the schema, in Weaviate's wire shape (`models.Class`).
///
/// Fields are optional because a request may omit them; every class the `Database` returns has had
/// Weaviate's defaults applied (reference 5.2), so `vectorizer`, `vectorIndexType`, `vectorIndexConfig`,
/// `invertedIndexConfig`, `shardingConfig`, `replicationConfig` and `properties` are then non-nil.
/// Free-form parts (configs) are kept as `JSONValue` so unknown keys (e.g. `pq`) are preserved for echo.
public struct ClassDefinition: Sendable, Equatable, Codable {
    /// The class name (`"class"` on the wire).
    public var className: String
    public var description: String?
    public var properties: [PropertyDefinition]?
    public var vectorizer: String?
    public var vectorIndexType: String?
    public var vectorIndexConfig: JSONValue?
    public var invertedIndexConfig: JSONValue?
    public var shardingConfig: JSONValue?
    public var replicationConfig: JSONValue?
    public var moduleConfig: JSONValue?
    /// Set when the class was created with Weaviate ≥ 1.24's `vectorConfig` and one named vector: the
    /// vector's name. The vector itself is the class's one vector (`vectorizer`, `vectorIndexConfig`, the
    /// module's entry in `moduleConfig`); the APIs show it under this name (`vectorConfig`, `vectors`).
    /// nil: a legacy class with one unnamed vector.
    public var vectorName: String?
    /// The class's further named vectors (its second and later `vectorConfig` entries, by name), each
    /// with its own vectorizer and index. Lane n ≥ 1 of the class is `moreVectors[n - 1]` (`lane(_:)`).
    public var moreVectors: [NamedVector]?
    /// `{enabled, autoTenantCreation, autoTenantActivation}` when the class was created with one (defaults
    /// applied); nil for classes without it, which are not multi-tenant.
    public var multiTenancyConfig: JSONValue?

    /// Whether every object of the class lives in a tenant (Weaviate ≥ 1.20 multi-tenancy).
    public var multiTenancyEnabled: Bool { multiTenancyConfig?["enabled"]?.boolValue == true }
    public var autoTenantCreation: Bool { multiTenancyConfig?["autoTenantCreation"]?.boolValue == true }
    public var autoTenantActivation: Bool { multiTenancyConfig?["autoTenantActivation"]?.boolValue == true }

    enum CodingKeys: String, CodingKey {
        case className = "class"
        case description, properties, vectorizer, vectorIndexType, vectorIndexConfig, invertedIndexConfig
        case shardingConfig, replicationConfig, moduleConfig, vectorName, multiTenancyConfig, moreVectors
    }

    public init(
        className: String, description: String? = nil, properties: [PropertyDefinition]? = nil,
        vectorizer: String? = nil, vectorIndexType: String? = nil, vectorIndexConfig: JSONValue? = nil,
        invertedIndexConfig: JSONValue? = nil, shardingConfig: JSONValue? = nil,
        replicationConfig: JSONValue? = nil, moduleConfig: JSONValue? = nil, vectorName: String? = nil,
        multiTenancyConfig: JSONValue? = nil
    ) {
        self.className = className
        self.description = description
        self.properties = properties
        self.vectorizer = vectorizer
        self.vectorIndexType = vectorIndexType
        self.vectorIndexConfig = vectorIndexConfig
        self.invertedIndexConfig = invertedIndexConfig
        self.shardingConfig = shardingConfig
        self.replicationConfig = replicationConfig
        self.moduleConfig = moduleConfig
        self.vectorName = vectorName
        self.multiTenancyConfig = multiTenancyConfig
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        className = try c.decodeIfPresent(String.self, forKey: .className) ?? ""
        description = try c.decodeIfPresent(String.self, forKey: .description)
        properties = try c.decodeIfPresent([PropertyDefinition].self, forKey: .properties)
        vectorizer = try c.decodeIfPresent(String.self, forKey: .vectorizer)
        vectorIndexType = try c.decodeIfPresent(String.self, forKey: .vectorIndexType)
        vectorIndexConfig = try c.decodeIfPresent(JSONValue.self, forKey: .vectorIndexConfig)
        invertedIndexConfig = try c.decodeIfPresent(JSONValue.self, forKey: .invertedIndexConfig)
        shardingConfig = try c.decodeIfPresent(JSONValue.self, forKey: .shardingConfig)
        replicationConfig = try c.decodeIfPresent(JSONValue.self, forKey: .replicationConfig)
        moduleConfig = try c.decodeIfPresent(JSONValue.self, forKey: .moduleConfig)
        vectorName = try c.decodeIfPresent(String.self, forKey: .vectorName)
        multiTenancyConfig = try c.decodeIfPresent(JSONValue.self, forKey: .multiTenancyConfig)
        moreVectors = try c.decodeIfPresent([NamedVector].self, forKey: .moreVectors)
    }

    /// The property named `name`, if any (names are compared exactly, as Weaviate does after lower-casing the first letter).
    public func property(named name: String) -> PropertyDefinition? {
        properties?.first { $0.name == name }
    }

    /// The class's vectorizer module name, `"none"` when unset.
    public var vectorizerName: String { vectorizer ?? "none" }

    /// The typed hnsw settings of `vectorIndexConfig` (defaults for missing keys).
    /// Throws the 422 message Weaviate gives for an invalid value.
    public func hnswConfig() throws -> HNSWConfig {
        try HNSWConfigParser.parse(vectorIndexConfig)
    }

    /// The vector distance metric of this class (`cosine` unless configured).
    public var distanceMetric: DistanceMetric {
        (try? hnswConfig().distance) ?? .cosine
    }

    // MARK: Vector lanes (one per named vector; docs/design/named-vectors.md)

    /// How many vectors an object of this class can have: 1, or one per named vector.
    public var laneCount: Int { 1 + (moreVectors?.count ?? 0) }

    /// The names of the named vectors in lane order (empty for a legacy class with one unnamed vector).
    public var vectorNames: [String] {
        guard let vectorName else { return [] }
        return [vectorName] + (moreVectors ?? []).map(\.name)
    }

    /// The lane of the named vector `name`.
    public func lane(named name: String) -> Int? { vectorNames.firstIndex(of: name) }

    /// The class as lane `n` sees it: lane 0 is the class itself; a further lane is the class with that
    /// named vector's vectorizer, module settings and index settings in the class-level fields, so
    /// modules, index configuration and distances read it as they read a one-vector class.
    public func lane(_ n: Int) -> ClassDefinition {
        guard n > 0, let more = moreVectors, n <= more.count else { return self }
        let v = more[n - 1]
        var c = self
        c.vectorizer = v.vectorizer
        c.vectorIndexType = v.vectorIndexType
        c.vectorIndexConfig = v.vectorIndexConfig
        var modules = moduleConfig?.objectValue ?? [:]
        modules.removeValue(forKey: vectorizerName)
        if let settings = v.moduleSettings, !settings.isNull { modules[v.vectorizer] = settings } else { modules.removeValue(forKey: v.vectorizer) }
        c.moduleConfig = modules.isEmpty ? Optional.none : .object(modules)
        c.vectorName = v.name
        c.moreVectors = nil
        return c
    }
}

/// A named vector after the first (`ClassDefinition.moreVectors`): the parts of `vectorConfig.<name>`.
public struct NamedVector: Sendable, Equatable, Codable {
    public var name: String
    /// The module that vectorises it, or `none`.
    public var vectorizer: String
    /// The module's settings (`vectorConfig.<name>.vectorizer.<module>`), defaults applied.
    public var moduleSettings: JSONValue?
    public var vectorIndexType: String?
    public var vectorIndexConfig: JSONValue?

    public init(name: String, vectorizer: String, moduleSettings: JSONValue? = nil, vectorIndexType: String? = nil,
                vectorIndexConfig: JSONValue? = nil) {
        self.name = name
        self.vectorizer = vectorizer
        self.moduleSettings = moduleSettings
        self.vectorIndexType = vectorIndexType
        self.vectorIndexConfig = vectorIndexConfig
    }

    /// The named vector that `definition`, a class as one of its lanes sees it (`lane(_:)`), describes.
    public init(_ definition: ClassDefinition) {
        self.init(name: definition.vectorName ?? "", vectorizer: definition.vectorizerName,
                  moduleSettings: definition.moduleConfig?[definition.vectorizerName],
                  vectorIndexType: definition.vectorIndexType, vectorIndexConfig: definition.vectorIndexConfig)
    }
}

/// A property of a class (`models.Property`).
public struct PropertyDefinition: Sendable, Equatable, Codable {
    public var name: String
    /// One primitive type (`text`, `int[]`, …) or one or more class names (a cross-reference).
    public var dataType: [String]
    public var description: String?
    public var tokenization: String?
    public var indexFilterable: Bool?
    public var indexSearchable: Bool?
    /// Deprecated flag; cannot be combined with `indexFilterable` / `indexSearchable`.
    public var indexInverted: Bool?
    public var moduleConfig: JSONValue?
    /// The fields of an `object` / `object[]` property (Weaviate ≥ 1.22), each a property itself.
    public var nestedProperties: [PropertyDefinition]?

    public init(
        name: String, dataType: [String], description: String? = nil, tokenization: String? = nil,
        indexFilterable: Bool? = nil, indexSearchable: Bool? = nil, indexInverted: Bool? = nil,
        moduleConfig: JSONValue? = nil, nestedProperties: [PropertyDefinition]? = nil
    ) {
        self.nestedProperties = nestedProperties
        self.name = name
        self.dataType = dataType
        self.description = description
        self.tokenization = tokenization
        self.indexFilterable = indexFilterable
        self.indexSearchable = indexSearchable
        self.indexInverted = indexInverted
        self.moduleConfig = moduleConfig
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        dataType = try c.decodeIfPresent([String].self, forKey: .dataType) ?? []
        description = try c.decodeIfPresent(String.self, forKey: .description)
        tokenization = try c.decodeIfPresent(String.self, forKey: .tokenization)
        indexFilterable = try c.decodeIfPresent(Bool.self, forKey: .indexFilterable)
        indexSearchable = try c.decodeIfPresent(Bool.self, forKey: .indexSearchable)
        indexInverted = try c.decodeIfPresent(Bool.self, forKey: .indexInverted)
        moduleConfig = try c.decodeIfPresent(JSONValue.self, forKey: .moduleConfig)
        nestedProperties = try c.decodeIfPresent([PropertyDefinition].self, forKey: .nestedProperties)
    }

    /// The nested property named `name` of an object property.
    public func nested(named name: String) -> PropertyDefinition? { nestedProperties?.first { $0.name == name } }

    /// The parsed data type; nil if `dataType` names neither a primitive type nor a class
    /// (validated when the class is created, so never nil for a stored property).
    public var kind: PropertyDataType? { PropertyDataType(dataType) }
}

/// The data types of Weaviate 1.19 (`string` and `string[]` are stored as `text` and `text[]`).
public enum PropertyDataType: Sendable, Equatable, Hashable {
    case text, int, number, boolean, date, uuid, blob, geoCoordinates, phoneNumber
    case textArray, intArray, numberArray, booleanArray, dateArray, uuidArray
    /// A nested object (`object`) or a list of them (`object[]`), shaped by `nestedProperties`.
    case object, objectArray
    /// A cross-reference to one or more classes.
    case reference([String])

    /// Parses a `dataType` array. A single lower-case primitive name is a primitive; otherwise every
    /// entry must look like a class name (upper-case first letter) and the type is a cross-reference.
    public init?(_ dataType: [String]) {
        guard let first = dataType.first else { return nil }
        if dataType.count == 1, let p = PropertyDataType.primitive(first) { self = p; return }
        guard dataType.allSatisfy({ $0.first?.isUppercase == true }) else { return nil }
        self = .reference(dataType)
    }

    static func primitive(_ s: String) -> PropertyDataType? {
        switch s {
        case "text", "string": return .text
        case "int": return .int
        case "number": return .number
        case "boolean": return .boolean
        case "date": return .date
        case "uuid": return .uuid
        case "blob": return .blob
        case "geoCoordinates": return .geoCoordinates
        case "phoneNumber": return .phoneNumber
        case "text[]", "string[]": return .textArray
        case "int[]": return .intArray
        case "number[]": return .numberArray
        case "boolean[]": return .booleanArray
        case "date[]": return .dateArray
        case "uuid[]": return .uuidArray
        case "object": return .object
        case "object[]": return .objectArray
        default: return nil
        }
    }

    /// The canonical wire name (`text`, `int[]`, …); class names joined by "," for references.
    public var name: String {
        switch self {
        case .text: return "text"
        case .int: return "int"
        case .number: return "number"
        case .boolean: return "boolean"
        case .date: return "date"
        case .uuid: return "uuid"
        case .blob: return "blob"
        case .geoCoordinates: return "geoCoordinates"
        case .phoneNumber: return "phoneNumber"
        case .textArray: return "text[]"
        case .intArray: return "int[]"
        case .numberArray: return "number[]"
        case .booleanArray: return "boolean[]"
        case .dateArray: return "date[]"
        case .uuidArray: return "uuid[]"
        case .object: return "object"
        case .objectArray: return "object[]"
        case .reference(let c): return c.joined(separator: ",")
        }
    }

    public var isArray: Bool {
        switch self {
        case .textArray, .intArray, .numberArray, .booleanArray, .dateArray, .uuidArray, .objectArray: return true
        default: return false
        }
    }

    public var isObject: Bool { self == .object || self == .objectArray }

    public var isReference: Bool { if case .reference = self { return true }; return false }

    /// The element type of an array type (self for scalars).
    public var elementType: PropertyDataType {
        switch self {
        case .textArray: return .text
        case .intArray: return .int
        case .numberArray: return .number
        case .booleanArray: return .boolean
        case .dateArray: return .date
        case .uuidArray: return .uuid
        case .objectArray: return .object
        default: return self
        }
    }
}
