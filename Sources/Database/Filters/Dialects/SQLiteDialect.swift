/// SQLite's JSON1 functions (`json_each`, `json_extract`, `json_array_length`), GLOB, `?` placeholders.
public struct SQLiteDialect: SQLDialect {
    public init() {}
    public func placeholder(_ position: Int) -> String { "?" }
    public var never: String { "0" }
    public func negation(_ condition: String) -> String { "NOT COALESCE((\(condition)), 0)" }
    public func propertyPath(_ name: String) -> SQLValue { .text("$." + name) }
    public func arrayLength(_ json: String, path: String) -> String { "COALESCE(json_array_length(\(json), \(path)), 0)" }
    public func scalarLength(_ json: String, path: String) -> String { "COALESCE(length(json_extract(\(json), \(path))), 0)" }
    public func isAbsent(_ json: String, path: String) -> String { "json_type(\(json), \(path)) IS NULL" }
    public func arrayElements(_ json: String, path: String, alias: String) -> String { "json_each(\(json), \(path)) AS \(alias)" }
    public func elementValue(_ alias: String, element: PropertyDataType) -> String {
        // json_each yields SQL values: numbers as numbers, booleans as 1/0, strings as text.
        element == .date ? "iris_date_nanos(\(alias).value)" : "\(alias).value"
    }
    public func beaconTarget(_ alias: String) -> String { "lower(substr(json_extract(\(alias).value, '$.beacon'), -36))" }
    public func wildcardPattern(_ pattern: String) -> String {
        // GLOB has `*` and `?` already; only `[` opens a character class.
        pattern.replacingOccurrences(of: "[", with: "[[]")
    }
    public func wildcardMatch(_ column: String, _ placeholder: String) -> String { "\(column) GLOB \(placeholder)" }
    public func sortValue(_ json: String, name: String) -> String { "json_extract(\(json), '$.\(name)')" }
}
