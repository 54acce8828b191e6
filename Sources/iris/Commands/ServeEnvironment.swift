import Database
import Foundation
import GraphQLAPI
import GRPCAPI
import RESTAPI
import VectorIndex

/// `iris serve`'s settings, read from Weaviate's environment variables (reference section 6) plus
/// Iris's own `IRIS_*`. Every invalid value fails start-up with a message naming the variable.
struct ServeEnvironment {
    var database: DatabaseConfig
    var anonymousAccess: Bool
    var apiKeys: [String]?
    var apiKeyUsers: [String]
    var adminListEnabled: Bool
    var adminUsers: [String]
    var readOnlyUsers: [String]
    var logLevel: String
    var logFormat: String
    var maxBodyBytes: Int
    var maxBodyValues: Int
    var graphQLLimits: QueryLimits
    /// PROMETHEUS_MONITORING_PORT when PROMETHEUS_MONITORING_ENABLED is on, else nil.
    var metricsPort: Int?
    /// CORS_ALLOW_ORIGIN.
    var cors: CORSPolicy
    /// GRPC_PORT (`--grpc-port` overrides it).
    var grpcPort: Int
    /// GRPC_MAX_MESSAGE_SIZE, in bytes.
    var grpcMaxMessageBytes: Int

    /// IRIS_STORAGE_URL: empty or unset is the embedded store; otherwise a `postgres://` URL.
    static func storageURL(_ raw: String?) throws -> String? {
        guard let raw, !raw.isEmpty else { return nil }
        guard raw.hasPrefix("postgres://") || raw.hasPrefix("postgresql://") else {
            throw ConfigurationError("IRIS_STORAGE_URL: must be postgres://user:password@host:port/database, not \"\(raw)\"")
        }
        return raw
    }

    /// A PostgreSQL memory size as PostgreSQL spells it (`512MB`, `2GB`, `65536kB`); nil when unset or empty.
    static func memorySize(_ name: String, _ raw: String?) throws -> String? {
        guard let raw = raw?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        let digits = raw.prefix { $0.isNumber }
        let unit = raw.dropFirst(digits.count)
        guard !digits.isEmpty, digits.count <= 12, ["", "kB", "MB", "GB", "TB"].contains(String(unit)) else {
            throw ConfigurationError("\(name): \"\(raw)\" is not a PostgreSQL memory size (e.g. 512MB, 2GB)")
        }
        return raw
    }

    static func read(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> ServeEnvironment {
        let reader = EnvReader(env: env)
        let dataPath = env["PERSISTENCE_DATA_PATH"] ?? "./data"
        if dataPath.isEmpty { throw ConfigurationError("PERSISTENCE_DATA_PATH: persistence.dataPath must be set") }

        let defaultsLimit = try reader.int("QUERY_DEFAULTS_LIMIT", default: DatabaseConfig.unsetQueryDefaultsLimit, minimum: 0)
        let maximumResults = try reader.int("QUERY_MAXIMUM_RESULTS", default: DatabaseConfig.defaultQueryMaximumResults, minimum: 1)
        let modules = reader.list("ENABLE_MODULES")
        let defaultVectorizer = env["DEFAULT_VECTORIZER_MODULE"].flatMap { $0.isEmpty ? nil : $0 } ?? "none"
        if defaultVectorizer != "none" && !modules.contains(defaultVectorizer) {
            throw ConfigurationError(
                "DEFAULT_VECTORIZER_MODULE: no module with name \"\(defaultVectorizer)\" is enabled (ENABLE_MODULES=\(modules.joined(separator: ",")))")
        }
        var distance: DistanceMetric?
        if let raw = env["DEFAULT_VECTOR_DISTANCE_METRIC"], !raw.isEmpty {
            guard let metric = DistanceMetric(rawValue: raw) else {
                throw ConfigurationError(
                    "DEFAULT_VECTOR_DISTANCE_METRIC: \"\(raw)\" is not one of cosine, dot, l2-squared, manhattan, hamming")
            }
            distance = metric
        }
        let hostname = env["CLUSTER_HOSTNAME"].flatMap { $0.isEmpty ? nil : $0 } ?? "node1"
        // Iris's own: seconds between vector index snapshots (0: only at a clean stop).
        let snapshotInterval = try reader.int("IRIS_SNAPSHOT_INTERVAL_SECONDS", default: 300, minimum: 0)

        // Weaviate's disk pressure settings (percent of the data disk in use; 0 turns one off).
        let readOnlyPercent = try reader.int("DISK_USE_READONLY_PERCENTAGE", default: 90, minimum: 0)
        let warningPercent = try reader.int("DISK_USE_WARNING_PERCENTAGE", default: 80, minimum: 0)
        var database = DatabaseConfig(
            dataPath: dataPath,
            queryDefaultsLimit: defaultsLimit,
            queryMaximumResults: maximumResults,
            autoSchemaEnabled: try reader.bool("AUTOSCHEMA_ENABLED", default: true),
            defaultVectorizer: defaultVectorizer,
            defaultDistance: distance,
            enabledModules: modules,
            hostname: hostname,
            snapshotIntervalSeconds: snapshotInterval == 0 ? nil : Double(snapshotInterval),
            diskUseReadOnlyPercentage: readOnlyPercent == 0 ? nil : Double(readOnlyPercent),
            diskUseWarningPercentage: warningPercent == 0 ? nil : Double(warningPercent),
            startupQuickCheck: try reader.bool("IRIS_STARTUP_QUICK_CHECK", default: true),
            storageURL: try storageURL(env["IRIS_STORAGE_URL"])
        )
        database.postgresIndexQuietSeconds = try reader.int("IRIS_PG_INDEX_QUIET_SECONDS", default: 2, minimum: 0)
        database.postgresMaintenanceWorkMem = try memorySize("IRIS_PG_MAINTENANCE_WORK_MEM", env["IRIS_PG_MAINTENANCE_WORK_MEM"]) ?? "1GB"

        let apiKeyEnabled = try reader.bool("AUTHENTICATION_APIKEY_ENABLED", default: false)
        let logFormat = (env["LOG_FORMAT"] ?? "json").lowercased()
        // Weaviate: debug or trace, anything else is info.
        let level = (env["LOG_LEVEL"] ?? "info").lowercased()
        // Bounds on one GraphQL query (issue #17); Weaviate 1.19 has none, so these names are Iris's.
        let defaults = QueryLimits()
        let graphQLLimits = QueryLimits(
            maxQueryBytes: try reader.int("GRAPHQL_MAX_QUERY_BYTES", default: defaults.maxQueryBytes, minimum: 1),
            maxDepth: try reader.int("GRAPHQL_MAX_DEPTH", default: defaults.maxDepth, minimum: 1),
            maxValueDepth: try reader.int("GRAPHQL_MAX_VALUE_DEPTH", default: defaults.maxValueDepth, minimum: 1),
            maxSearches: try reader.int("GRAPHQL_MAX_SEARCHES", default: defaults.maxSearches, minimum: 1),
            maxQuerySeconds: try reader.int("GRAPHQL_MAX_QUERY_SECONDS", default: defaults.maxQuerySeconds, minimum: 1),
            maxResultValues: try reader.int("GRAPHQL_MAX_RESULT_VALUES", default: defaults.maxResultValues, minimum: 1))
        // Weaviate: metrics on their own port (default 2112) only when enabled.
        var metricsPort: Int?
        if try reader.bool("PROMETHEUS_MONITORING_ENABLED", default: false) {
            let port = try reader.int("PROMETHEUS_MONITORING_PORT", default: 2112, minimum: 0)
            guard port <= 65535 else {
                throw ConfigurationError("PROMETHEUS_MONITORING_PORT: \(port) is not a port (0 to 65535)")
            }
            metricsPort = port
        }
        // Weaviate's CORS_ALLOW_ORIGIN (a comma-separated list; `*`, the default, allows any origin).
        let cors = CORSPolicy(allowedOrigins: reader.list("CORS_ALLOW_ORIGIN"))
        return ServeEnvironment(
            database: database,
            anonymousAccess: try reader.bool("AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED", default: false),
            apiKeys: apiKeyEnabled ? reader.list("AUTHENTICATION_APIKEY_ALLOWED_KEYS") : nil,
            apiKeyUsers: reader.list("AUTHENTICATION_APIKEY_USERS"),
            adminListEnabled: try reader.bool("AUTHORIZATION_ADMINLIST_ENABLED", default: false),
            adminUsers: reader.list("AUTHORIZATION_ADMINLIST_USERS"),
            readOnlyUsers: reader.list("AUTHORIZATION_ADMINLIST_READONLY_USERS"),
            logLevel: level == "debug" || level == "trace" ? level : "info",
            logFormat: logFormat == "text" ? "text" : "json",
            maxBodyBytes: try reader.int("IRIS_MAX_BODY_BYTES", default: 256 << 20, minimum: 1),
            maxBodyValues: try reader.int("IRIS_MAX_BODY_VALUES", default: RESTConfiguration.defaultMaxBodyValues, minimum: 1),
            graphQLLimits: graphQLLimits,
            metricsPort: metricsPort,
            cors: cors,
            grpcPort: try reader.int("GRPC_PORT", default: GRPCConfiguration.defaultPort, minimum: 0),
            grpcMaxMessageBytes: try reader.int("GRPC_MAX_MESSAGE_SIZE", default: GRPCConfiguration.defaultMaxMessageBytes,
                                                minimum: 1)
        )
    }

    func authenticator() throws -> Authenticator {
        try Authenticator(anonymousAccessEnabled: anonymousAccess, apiKeys: apiKeys, users: apiKeyUsers)
    }

    func authorizer() throws -> Authorizer {
        try Authorizer(enabled: adminListEnabled, admins: adminUsers, readOnly: readOnlyUsers)
    }
}

/// Typed reads of environment variables with messages that name the variable.
struct EnvReader {
    let env: [String: String]

    /// Weaviate counts `on`, `enabled`, `1` and `true` as true. Iris also names the false spellings
    /// (`off`, `disabled`, `0`, `false`) and rejects anything else rather than silently reading false.
    func bool(_ name: String, default value: Bool) throws -> Bool {
        guard let raw = env[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return value }
        switch raw.lowercased() {
        case "on", "enabled", "1", "true": return true
        case "off", "disabled", "0", "false": return false
        default:
            throw ConfigurationError("\(name): \"\(raw)\" is not a boolean (use true/false, on/off, enabled/disabled, 1/0)")
        }
    }

    func int(_ name: String, default value: Int, minimum: Int) throws -> Int {
        try optionalInt(name, minimum: minimum) ?? value
    }

    /// nil when unset or blank.
    func optionalInt(_ name: String, minimum: Int) throws -> Int? {
        guard let raw = env[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        guard let parsed = Int(raw), parsed >= minimum else {
            throw ConfigurationError("\(name): \"\(raw)\" is not an integer >= \(minimum)")
        }
        return parsed
    }

    /// The value as given, or nil when unset or empty.
    func string(_ name: String) -> String? {
        guard let value = env[name], !value.isEmpty else { return nil }
        return value
    }

    /// A comma-separated list; blanks around entries are trimmed, empty entries dropped.
    func list(_ name: String) -> [String] {
        (env[name] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
