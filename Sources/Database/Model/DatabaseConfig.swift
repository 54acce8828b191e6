import VectorIndex

/// The database's settings, filled by the server from Weaviate's environment variables (reference section 6).
public struct DatabaseConfig: Sendable {
    /// PERSISTENCE_DATA_PATH: the folder holding `iris.sqlite` and the vector index snapshots (created if missing).
    public var dataPath: String
    /// QUERY_DEFAULTS_LIMIT: page size of `GET /v1/objects` without `limit`, and of GraphQL when only an
    /// offset is given. 0 when unset, as in Weaviate (deployments set 20 or 25): such a page is empty.
    public var queryDefaultsLimit: Int
    /// QUERY_MAXIMUM_RESULTS: caps `offset + limit` and batch deletes.
    public var queryMaximumResults: Int
    /// AUTOSCHEMA_ENABLED.
    public var autoSchemaEnabled: Bool
    /// DEFAULT_VECTORIZER_MODULE (`"none"` when unset).
    public var defaultVectorizer: String
    /// DEFAULT_VECTOR_DISTANCE_METRIC, applied to new classes that do not set `vectorIndexConfig.distance`.
    public var defaultDistance: DistanceMetric?
    /// ENABLE_MODULES, in the given order.
    public var enabledModules: [String]
    /// CLUSTER_HOSTNAME: the node name shown in /v1/nodes and used as the shard name.
    public var hostname: String
    /// How often (seconds) vector index snapshots are written in the background; nil: only at close.
    public var snapshotIntervalSeconds: Double?
    /// DISK_USE_READONLY_PERCENTAGE: at or above this share of the data disk in use the store refuses
    /// writes (503) and is not ready, until usage drops again; nil: never for disk usage alone.
    public var diskUseReadOnlyPercentage: Double?
    /// DISK_USE_WARNING_PERCENTAGE: at or above this share a warning is logged; nil: never.
    public var diskUseWarningPercentage: Double?
    /// IRIS_STARTUP_QUICK_CHECK: read the whole store file once at start (`PRAGMA quick_check`), so damage is
    /// found before it is served or written into; off only for stores too big to read at every start.
    public var startupQuickCheck: Bool
    /// IRIS_STORAGE_URL: `postgres://user:password@host:port/database` keeps schema, objects, vectors and
    /// keyword postings in PostgreSQL with pgvector (docs/design/postgres-backend.md); nil: the embedded
    /// SQLite store at `dataPath` (the default).
    public var storageURL: String?
    /// IRIS_PG_INDEX_QUIET_SECONDS (PostgreSQL engine): how long a table goes without new rows before its
    /// vector columns' HNSW indexes are built (Engine/Postgres/PostgresIndexBuilder.swift).
    public var postgresIndexQuietSeconds: Int = 2
    /// IRIS_PG_MAINTENANCE_WORK_MEM (PostgreSQL engine): `maintenance_work_mem` for those builds.
    public var postgresMaintenanceWorkMem: String = "1GB"

    /// Weaviate's QUERY_DEFAULTS_LIMIT when the variable is unset.
    public static let unsetQueryDefaultsLimit = 0
    /// Weaviate's QUERY_MAXIMUM_RESULTS when the variable is unset.
    public static let defaultQueryMaximumResults = 10_000

    public init(
        dataPath: String,
        queryDefaultsLimit: Int = DatabaseConfig.unsetQueryDefaultsLimit,
        queryMaximumResults: Int = DatabaseConfig.defaultQueryMaximumResults,
        autoSchemaEnabled: Bool = true,
        defaultVectorizer: String = "none",
        defaultDistance: DistanceMetric? = nil,
        enabledModules: [String] = [],
        hostname: String = "node1",
        snapshotIntervalSeconds: Double? = 300,
        diskUseReadOnlyPercentage: Double? = nil,
        diskUseWarningPercentage: Double? = nil,
        startupQuickCheck: Bool = true,
        storageURL: String? = nil
    ) {
        self.dataPath = dataPath
        self.queryDefaultsLimit = queryDefaultsLimit
        self.queryMaximumResults = queryMaximumResults
        self.autoSchemaEnabled = autoSchemaEnabled
        self.defaultVectorizer = defaultVectorizer
        self.defaultDistance = defaultDistance
        self.enabledModules = enabledModules
        self.hostname = hostname
        self.snapshotIntervalSeconds = snapshotIntervalSeconds
        self.diskUseReadOnlyPercentage = diskUseReadOnlyPercentage
        self.diskUseWarningPercentage = diskUseWarningPercentage
        self.startupQuickCheck = startupQuickCheck
        self.storageURL = storageURL
    }
}

extension DatabaseConfig {
    /// Whether `limit` results after `offset` (both at least 0) reach past QUERY_MAXIMUM_RESULTS. Written
    /// without the sum: REST's `?limit=` and `?offset=` take any Int64, and their sum once overflowed.
    func exceedsMaximumResults(offset: Int, limit: Int) -> Bool { limit > queryMaximumResults - offset }
}
