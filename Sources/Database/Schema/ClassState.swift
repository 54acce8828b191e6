import Foundation
import Storage
import VectorIndex

/// Where a property lives in its class table.
struct PropertyColumn: Sendable {
    /// `p<ordinal>`; geoCoordinates use `<name>_lat` and `<name>_lon`.
    let name: String
    let type: PropertyDataType
    let filterable: Bool
    /// text tokenization (`word`, `lowercase`, `whitespace`, `field`); nil for other types.
    let tokenization: String?
    /// Whether the property has a typed column (scalar primitives except blob and phoneNumber).
    let hasColumn: Bool
    /// The property's position in the class (its key in the token table).
    let ordinal: Int
    /// text/text[] with `indexSearchable`: BM25 reads its tokens from the token table.
    var searchable = false

    /// Tokenized text lives in the token table: filterable text[] and non-`field` text.
    var usesTokenTable: Bool {
        filterable && (type == .textArray || (type == .text && tokenization != "field"))
    }

    /// Whether the token table holds this property's tokens (for filters, BM25 or both).
    var indexesTokens: Bool { usesTokenTable || searchable }

    var latColumn: String { name + "_lat" }
    var lonColumn: String { name + "_lon" }

    /// The store columns backing this property.
    var storeColumns: [StoreColumn] {
        guard hasColumn else { return [] }
        switch type {
        case .geoCoordinates:
            return [StoreColumn(name: latColumn, type: .real, indexed: filterable),
                    StoreColumn(name: lonColumn, type: .real, indexed: false)]
        case .int, .boolean, .date: return [StoreColumn(name: name, type: .integer, indexed: filterable)]
        case .number: return [StoreColumn(name: name, type: .real, indexed: filterable)]
        default: return [StoreColumn(name: name, type: .text, indexed: filterable)]
        }
    }

    static func make(_ p: PropertyDefinition, ordinal: Int) -> PropertyColumn {
        let t = p.kind ?? .text
        let has: Bool
        switch t {
        case .text, .int, .number, .boolean, .date, .uuid, .geoCoordinates: has = true
        default: has = false
        }
        let tok = (t == .text || t == .textArray) ? (p.tokenization ?? "word") : nil
        var column = PropertyColumn(name: "p\(ordinal)", type: t, filterable: p.indexFilterable ?? true, tokenization: tok,
                                    hasColumn: has, ordinal: ordinal)
        column.searchable = tok != nil && (p.indexSearchable ?? true)
        return column
    }
}

/// One tenant of a multi-tenant class: its row in `tenants`, its status, and (while HOT) its shard, a
/// `ClassState` view with the tenant's own tables and vector index.
struct TenantEntry: Sendable {
    /// The row id; the tenant's shard id (tables, change log, index file) is `-id`.
    let id: Int64
    let name: String
    /// `HOT` or `COLD`, as stored.
    var status: String
    /// The loaded shard; nil while COLD (its index is on disk only).
    var shard: ClassState?
    var shardID: Int64 { -id }
}

/// The in-memory state of one class: its stored definition, table id, columns and vector index.
///
/// A tenant's shard is a `ClassState` too (`parent` set): it has its own `id` (the negated tenant id,
/// which names its tables and change-log entries) and its own `index`, and reads the definition,
/// columns and dimension from its class, so every object read and write takes either unchanged.
///
/// Fields are read by writers while the schema may change, so each is guarded by `stateLock`, a leaf
/// lock (never held while waiting for the store's writer or the schema lock).
// @unchecked: every mutable field is private and read or written only under `stateLock`.
final class ClassState: @unchecked Sendable {
    /// The shard id: the class id, or `-tenantID` for a tenant's shard.
    let id: Int64
    /// One vector index per lane (named vector) of the class; lane 0's is `index`.
    let indexes: [any VectorIndex]
    /// The index of the class's first or only vector.
    var index: any VectorIndex { indexes[0] }
    /// The class, for a tenant's shard.
    let parent: ClassState?
    /// The tenant's name, for a tenant's shard.
    let tenant: String?
    private let stateLock = NSLock()
    private var _definition: ClassDefinition
    /// The vector length per lane (nil until the first vector of that lane is written).
    private var _dimensions: [Int?]
    private var _shardStatus: String
    private var _columns: [String: PropertyColumn] = [:]
    private var _tenants: [String: TenantEntry] = [:]

    init(id: Int64, definition: ClassDefinition, dimensions: [Int?], indexes: [any VectorIndex], shardStatus: String) {
        self.id = id
        self._definition = definition
        self._dimensions = dimensions
        self.indexes = indexes
        self._shardStatus = shardStatus
        self._columns = ClassState.columns(of: definition)
        self.parent = nil
        self.tenant = nil
    }

    /// A tenant's shard of `parent`.
    init(tenantOf parent: ClassState, name: String, shardID: Int64, indexes: [any VectorIndex]) {
        self.id = shardID
        self.indexes = indexes
        self._dimensions = []
        self.parent = parent
        self.tenant = name
        self._definition = parent.definition
        self._shardStatus = "READY"
    }

    static func columns(of definition: ClassDefinition) -> [String: PropertyColumn] {
        var c: [String: PropertyColumn] = [:]
        for (i, p) in (definition.properties ?? []).enumerated() { c[p.name] = PropertyColumn.make(p, ordinal: i) }
        return c
    }

    private func locked<T>(_ body: () -> T) -> T {
        stateLock.lock(); defer { stateLock.unlock() }
        return body()
    }

    /// The class's row id in `classes` (for a tenant's shard, its class's).
    var classID: Int64 { parent?.id ?? id }

    /// The class's state (itself, or the class of a tenant's shard).
    var classState: ClassState { parent ?? self }

    /// The definition; setting it also recomputes the property columns. A tenant's shard reads its class's.
    var definition: ClassDefinition {
        get { if let parent { return parent.definition }; return locked { _definition } }
        set { let cols = ClassState.columns(of: newValue); locked { _definition = newValue; _columns = cols } }
    }

    /// The vector length of the class's first or only vector (set by the first vector written; shared by its tenants).
    var dimension: Int? {
        get { dimension(lane: 0) }
        set { setDimension(newValue, lane: 0) }
    }

    /// The vector length of lane `lane` (named vector) of the class; shared by its tenants.
    func dimension(lane: Int) -> Int? {
        if let parent { return parent.dimension(lane: lane) }
        return locked { lane < _dimensions.count ? _dimensions[lane] : nil }
    }

    func setDimension(_ d: Int?, lane: Int) {
        if let parent { parent.setDimension(d, lane: lane); return }
        locked {
            while _dimensions.count <= lane { _dimensions.append(nil) }
            _dimensions[lane] = d
        }
    }

    var shardStatus: String {
        get { locked { _shardStatus } }
        set { locked { _shardStatus = newValue } }
    }

    var columns: [String: PropertyColumn] { parent?.columns ?? locked { _columns } }

    /// Names of every typed column, for updates that must NULL absent properties.
    var allColumnNames: [String] {
        columns.values.flatMap { $0.storeColumns.map(\.name) }
    }

    var name: String { definition.className }

    // MARK: Tenants (of a multi-tenant class; changed only in the store's writer)

    var tenants: [String: TenantEntry] {
        get { locked { _tenants } }
        set { locked { _tenants = newValue } }
    }

    func tenantEntry(_ name: String) -> TenantEntry? { locked { _tenants[name] } }

    func setTenant(_ entry: TenantEntry?, named name: String) { locked { _tenants[name] = entry } }

    /// Every loaded shard of the class: itself, and its HOT tenants' shards.
    var loadedShards: [ClassState] { [self] + locked { _tenants.values.compactMap(\.shard) } }

    /// The loaded shards that hold objects: the class itself, or a multi-tenant class's HOT tenants.
    var objectShards: [ClassState] { definition.multiTenancyEnabled ? Array(loadedShards.dropFirst()) : [self] }
}
