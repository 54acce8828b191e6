/// PostgreSQL's jsonb (`->`, `->>`, `jsonb_array_elements`), LIKE, `$n` placeholders. The `props` column
/// is `jsonb`; booleans are stored in the typed columns as 1/0, as in SQLite, so bound values agree.
public struct PostgresDialect: SQLDialect {
    public init() {}
    public func placeholder(_ position: Int) -> String { "$\(position)" }
    public var never: String { "FALSE" }
    public func negation(_ condition: String) -> String { "NOT COALESCE((\(condition)), FALSE)" }
    public func propertyPath(_ name: String) -> SQLValue { .text(name) }
    /// `->` is overloaded (text key, int index): the key's type is stated.
    private func member(_ json: String, _ path: String) -> String { "(\(json) -> \(path)::text)" }
    private func array(_ json: String, _ path: String) -> String {
        let m = member(json, path)
        return "(CASE WHEN jsonb_typeof(\(m)) = 'array' THEN \(m) END)"
    }
    public func arrayLength(_ json: String, path: String) -> String {
        "COALESCE(jsonb_array_length(\(array(json, path))), 0)"
    }
    public func scalarLength(_ json: String, path: String) -> String {
        "COALESCE(length(\(json) ->> \(path)::text), 0)"
    }
    public func isAbsent(_ json: String, path: String) -> String { "\(member(json, path)) IS NULL" }
    public func arrayElements(_ json: String, path: String, alias: String) -> String {
        "jsonb_array_elements(\(array(json, path))) AS \(alias)(value)"
    }
    public func elementValue(_ alias: String, element: PropertyDataType) -> String {
        let text = "(\(alias).value #>> '{}')"
        switch element {
        case .int: return "\(text)::bigint"
        case .number: return "\(text)::double precision"
        case .boolean: return "(CASE \(alias).value WHEN 'true'::jsonb THEN 1 WHEN 'false'::jsonb THEN 0 END)"
        case .date: return "iris_date_nanos(\(text))"
        default: return text
        }
    }
    public func beaconTarget(_ alias: String) -> String { "lower(right(\(alias).value ->> 'beacon', 36))" }
    public func wildcardPattern(_ pattern: String) -> String {
        var out = ""
        for c in pattern {
            switch c {
            case "*": out += "%"
            case "?": out += "_"
            case "%", "_", "\\": out += "\\" + String(c)  // LIKE's default escape is the backslash
            default: out.append(c)
            }
        }
        return out
    }
    public func wildcardMatch(_ column: String, _ placeholder: String) -> String {
        // COLLATE "C": byte-wise, case-sensitive, like GLOB.
        "\(column) LIKE \(placeholder) COLLATE \"C\""
    }
    public func sortValue(_ json: String, name: String) -> String { "(\(json) -> '\(name)')" }
}
