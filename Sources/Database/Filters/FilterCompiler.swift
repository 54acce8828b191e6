import Foundation
import Storage

/// A `where` filter compiled to a SQL condition over a class table (qualified by table name or alias),
/// in one engine's dialect, with its bound values in placeholder order.
public struct CompiledFilter: Sendable {
    public var sql: String
    public var arguments: [SQLValue]
}

/// Compiles `WhereFilter`s into SQL over the typed class tables, validating paths and value types with
/// Weaviate's messages. Scalars use the typed (indexed) columns; arrays the elements of the stored JSON
/// properties; tokenized text, wildcards, dates in arrays and geo distances call the engine's functions.
/// The walk, the checks and the messages are shared; the SQL text that differs between engines comes
/// from `dialect` (SQLDialect.swift).
struct FilterCompiler {
    let db: Database
    let dialect: any SQLDialect
    var aliasCounter = 0
    var args: [SQLValue] = []

    init(db: Database, dialect: any SQLDialect) { self.db = db; self.dialect = dialect }

    static func compile(_ f: WhereFilter, state st: ClassState, qualifier: String, in db: Database,
                        dialect: any SQLDialect) throws -> CompiledFilter {
        var c = FilterCompiler(db: db, dialect: dialect)
        let sql = try c.compile(f, st, qualifier)
        // SQLite binds at most 32,766 values per statement (PostgreSQL 65,535): a bigger filter is the
        // client's to split, not a storage failure.
        if c.args.count > maxBoundValues {
            throw err("invalid where filter: it holds \(c.args.count) values, at most \(maxBoundValues) are allowed")
        }
        return CompiledFilter(sql: sql, arguments: c.args)
    }

    /// The most values one compiled filter may bind (SQLite's limit, with room for the query's own).
    static let maxBoundValues = 32_000

    /// `parts` joined by `op` as a balanced tree of parentheses: SQLite refuses an expression more than
    /// 1,000 levels deep, which a flat chain of a ContainsAny over 1,000 values already is.
    static func balanced(_ parts: ArraySlice<String>, _ op: String) -> String {
        if parts.count <= 8 { return parts.joined(separator: " \(op) ") }
        let mid = parts.startIndex + parts.count / 2
        return "(\(balanced(parts[..<mid], op))) \(op) (\(balanced(parts[mid...], op)))"
    }

    static func err(_ m: String) -> DatabaseError { DatabaseError.unprocessable(m) }

    mutating func bind(_ v: SQLValue) -> String { args.append(v); return dialect.placeholder(args.count) }
    mutating func bind(_ v: String) -> String { bind(.text(v)) }
    mutating func bind(_ v: Int64) -> String { bind(.integer(v)) }
    mutating func bind(_ v: Int) -> String { bind(.integer(Int64(v))) }
    mutating func bind(_ v: Double) -> String { bind(.real(v)) }

    mutating func compile(_ f: WhereFilter, _ st: ClassState, _ q: String) throws -> String {
        if f.operator.isLogical {
            guard let ops = f.operands, !ops.isEmpty else {
                throw Self.err("invalid where filter: operator '\(f.operator.rawValue)' requires operands")
            }
            let parts = try ops.map { "(\(try compile($0, st, q)))" }
            switch f.operator {
            case .and: return Self.balanced(parts[...], "AND")
            case .or: return Self.balanced(parts[...], "OR")
            // Not is "every object minus the matches": a NULL (absent property) comparison counts as no match.
            default: return dialect.negation(Self.balanced(parts[...], "AND"))
            }
        }
        guard let path = f.path, !path.isEmpty else {
            throw Self.err("invalid where filter: operator '\(f.operator.rawValue)' requires a path")
        }
        if path.count >= 3 {
            return try compileReference(f, path, st, q)
        }
        guard path.count == 1 else {
            throw Self.err("invalid where filter: path \(path) must be a property name or a reference path [refProp, Class, prop]")
        }
        return try compileLeaf(f, path[0], st, q)
    }

    /// Which `value*` field is set (exactly one expected).
    enum Value {
        case int(Int64), number(Double), boolean(Bool), text(String, key: String), date(String), geo(GeoRange)
        var key: String {
            switch self {
            case .int: return "valueInt"
            case .number: return "valueNumber"
            case .boolean: return "valueBoolean"
            case .text(_, let k): return k
            case .date: return "valueDate"
            case .geo: return "valueGeoRange"
            }
        }
    }

    static func value(_ f: WhereFilter) throws -> Value {
        var vs: [Value] = []
        if let v = f.valueInt { vs.append(.int(v)) }
        if let v = f.valueNumber { vs.append(.number(v)) }
        if let v = f.valueBoolean { vs.append(.boolean(v)) }
        if let v = f.valueText { vs.append(.text(v, key: "valueText")) }
        if let v = f.valueString { vs.append(.text(v, key: "valueString")) }
        if let v = f.valueDate { vs.append(.date(v)) }
        if let v = f.valueGeoRange { vs.append(.geo(v)) }
        guard let first = vs.first else {
            throw err("invalid where filter: no value set, expected one of valueInt, valueNumber, valueBoolean, valueText, valueString, valueDate, valueGeoRange")
        }
        if vs.count > 1 {
            throw err("invalid where filter: more than one value set (\(vs.map(\.key).joined(separator: ", ")))")
        }
        return first
    }

    static func mismatch(_ given: String, _ type: String, _ expected: String) -> DatabaseError {
        err("data type filter cannot use \"\(given)\" on type \"\(type)\", use \"\(expected)\" instead")
    }

    static func sqlOp(_ op: WhereOperator) -> String? {
        switch op {
        case .equal: return "="
        case .notEqual: return "<>"
        case .greaterThan: return ">"
        case .greaterThanEqual: return ">="
        case .lessThan: return "<"
        case .lessThanEqual: return "<="
        default: return nil
        }
    }

    func invertedConfigFlag(_ st: ClassState, _ key: String) -> Bool {
        st.definition.invertedIndexConfig?[key]?.boolValue ?? false
    }

    mutating func compileLeaf(_ f: WhereFilter, _ name: String, _ st: ClassState, _ q: String) throws -> String {
        let op = f.operator
        let value = try Self.value(f)
        // Special paths.
        if name == "id" || name == "_id" {
            guard case .text(let s, _) = value else { throw Self.mismatch(value.key, "uuid", "valueText") }
            return try comparison(op, column: "\(q).uuid", bound: bind(s.lowercased()), kind: "id", likeValue: s.lowercased())
        }
        if name == "_creationTimeUnix" || name == "_lastUpdateTimeUnix" {
            guard invertedConfigFlag(st, "indexTimestamps") else {
                throw Self.err("timestamps must be indexed to be filterable! add `indexTimestamps: true` to the invertedIndexConfig")
            }
            let ms: Int64
            switch value {
            case .date(let s):
                guard let n = ValueFormats.rfc3339Nanos(s) else { throw Self.err("invalid where filter: valueDate '\(s)' is not an RFC3339 date") }
                ms = n / 1_000_000
            case .text(let s, _):
                guard let n = Int64(s) else { throw Self.err("invalid where filter: '\(s)' is not a unix timestamp in milliseconds") }
                ms = n
            case .int(let n): ms = n
            default: throw Self.mismatch(value.key, "date", "valueDate")
            }
            let col = name == "_creationTimeUnix" ? "\(q).created" : "\(q).updated"
            guard let sop = Self.sqlOp(op) else { throw Self.unsupported(op, name) }
            return op == .notEqual ? "\(col) <> \(bind(ms))" : "\(col) \(sop) \(bind(ms))"
        }
        if name.hasPrefix("len("), name.hasSuffix(")") {
            let prop = String(name.dropFirst(4).dropLast())
            guard let p = st.definition.property(named: prop), let kind = p.kind else { throw noSuchProp(prop, st) }
            guard case .int(let n) = value else { throw Self.mismatch(value.key, "int", "valueInt") }
            guard let sop = Self.sqlOp(op) else { throw Self.unsupported(op, name) }
            let path = bind(dialect.propertyPath(prop))
            let expr = kind.isArray || kind.isReference
                ? dialect.arrayLength("\(q).props", path: path)
                : dialect.scalarLength("\(q).props", path: path)
            return "\(expr) \(sop) \(bind(n))"
        }
        guard let p = st.definition.property(named: name), let kind = p.kind, let col = st.columns[name] else {
            throw noSuchProp(name, st)
        }
        if op == .isNull {
            guard case .boolean(let isNull) = value else { throw Self.mismatch(value.key, "IsNull", "valueBoolean") }
            guard invertedConfigFlag(st, "indexNullState") else {
                throw Self.err("Nullstate must be indexed to be filterable! Add `indexNullState: true` to the invertedIndexConfig")
            }
            let path = bind(dialect.propertyPath(name))
            var cond = dialect.isAbsent("\(q).props", path: path)
            if kind.isArray || kind.isReference {
                cond = "(\(cond) OR \(dialect.arrayLength("\(q).props", path: bind(dialect.propertyPath(name)))) = 0)"
            }
            return isNull ? cond : "NOT \(cond)"
        }
        if kind == .blob {
            throw Self.err("Filtering by property '\(name)' is not supported: blob properties are not indexed")
        }
        if p.indexFilterable == false {
            throw Self.err(
                "Filtering by property '\(name)' requires inverted index. Is `indexFilterable` option of property '\(name)' enabled? Set it to `true` or leave empty")
        }
        if kind.isReference, case .int(let n) = value, let sop = Self.sqlOp(op) {
            // A reference property with valueInt filters by the number of references.
            return "\(dialect.arrayLength("\(q).props", path: bind(dialect.propertyPath(name)))) \(sop) \(bind(n))"
        }
        if kind.isReference {
            throw Self.err("invalid where filter: reference property '\(name)' needs a path [\"\(name)\", \"<Class>\", \"<property>\"]")
        }
        if kind == .phoneNumber || kind.isObject {
            throw Self.err("invalid where filter: filtering on \(kind.name) property '\(name)' is not supported")
        }
        if kind == .geoCoordinates {
            guard case .geo(let g) = value else { throw Self.mismatch(value.key, "geoCoordinates", "valueGeoRange") }
            guard op == .withinGeoRange else { throw Self.unsupported(op, "geoCoordinates") }
            // Bounding box on the indexed latitude first, then the exact distance.
            let dLat = g.distance.max / 111_000.0
            return "(\(q).\(col.latColumn) BETWEEN \(bind(g.geoCoordinates.latitude - dLat)) AND \(bind(g.geoCoordinates.latitude + dLat))"
                + " AND iris_geo_distance(\(q).\(col.latColumn), \(q).\(col.lonColumn), \(bind(g.geoCoordinates.latitude)), \(bind(g.geoCoordinates.longitude))) <= \(bind(g.distance.max)))"
        }
        if op == .withinGeoRange { throw Self.unsupported(op, kind.name) }
        let element = kind.elementType
        let bound: SQLValue
        switch (element, value) {
        case (.text, .text(let s, _)): bound = .text(s)
        case (.uuid, .text(let s, _)): bound = .text(s.lowercased())
        case (.int, .int(let n)): bound = .integer(n)
        case (.number, .number(let d)): bound = .real(d)
        case (.boolean, .boolean(let b)): bound = .integer(b ? 1 : 0)
        case (.date, .date(let s)):
            guard let n = ValueFormats.rfc3339Nanos(s) else {
                throw Self.err("invalid where filter: valueDate '\(s)' is not an RFC3339 date")
            }
            bound = .integer(n)
        default:
            let expected: String
            switch element {
            case .text, .uuid: expected = "valueText"
            case .int: expected = "valueInt"
            case .number: expected = "valueNumber"
            case .boolean: expected = "valueBoolean"
            case .date: expected = "valueDate"
            default: expected = "valueText"
            }
            throw Self.mismatch(value.key, kind.name, expected)
        }
        if op == .like && !(element == .text || element == .uuid) { throw Self.unsupported(op, kind.name) }
        if col.usesTokenTable, op == .equal || op == .notEqual || op == .like, case .text(let text, _) = value, let tok = col.tokenization {
            let cond = tokenCondition(op == .like, text: text, tokenization: tok, column: col, st: st, q: q)
            return op == .notEqual ? "NOT (\(cond))" : cond
        }
        if kind.isArray {
            let path = bind(dialect.propertyPath(name))
            let elementExpr = dialect.elementValue("je", element: element)
            let positive: WhereOperator = op == .notEqual ? .equal : op
            let cond = try elementCondition(positive, expr: elementExpr, bound: bound, element: element, tokenization: col.tokenization)
            let exists = "EXISTS (SELECT 1 FROM \(dialect.arrayElements("\(q).props", path: path, alias: "je")) WHERE \(cond))"
            return op == .notEqual ? "NOT \(exists)" : exists
        }
        let colExpr = "\(q).\(col.name)"
        if op == .notEqual {
            let eq = try elementCondition(.equal, expr: colExpr, bound: bound, element: element, tokenization: col.tokenization)
            return "(\(colExpr) IS NULL OR NOT (\(eq)))"
        }
        return try elementCondition(op, expr: colExpr, bound: bound, element: element, tokenization: col.tokenization)
    }

    /// Equal: every query token is a token of the document's property (intersection of index lookups).
    /// Like: some token matches the wildcard pattern (GLOB over the token index).
    mutating func tokenCondition(_ like: Bool, text: String, tokenization: String, column col: PropertyColumn,
                                 st: ClassState, q: String) -> String {
        let table = ObjectTables.tokenTableName(st.id)
        if like {
            let pattern = tokenization == "word" || tokenization == "lowercase" ? text.lowercased() : text
            let prop = bind(col.ordinal)
            return "\(q).doc_id IN (SELECT doc_id FROM \(table) WHERE prop = \(prop) AND \(dialect.wildcardMatch("token", bind(dialect.wildcardPattern(pattern)))))"
        }
        let tokens = Array(Set(Tokenizer.tokens(text, tokenization: tokenization))).sorted()
        if tokens.isEmpty { return dialect.never }
        return tokens.map { token in
            "\(q).doc_id IN (SELECT doc_id FROM \(table) WHERE prop = \(bind(col.ordinal)) AND token = \(bind(token)))"
        }.joined(separator: " AND ")
    }

    mutating func elementCondition(_ op: WhereOperator, expr: String, bound: SQLValue, element: PropertyDataType,
                                   tokenization: String?) throws -> String {
        if element == .text, let tok = tokenization {
            switch op {
            case .equal:
                if tok == "field" { return "\(expr) = \(bind(bound))" }
                return "iris_text_eq(\(expr), \(bind(tok)), \(bind(bound)))"
            case .like:
                return "iris_text_like(\(expr), \(bind(tok)), \(bind(bound)))"
            default: break
            }
        }
        if op == .like { return "iris_like(\(expr), \(bind(bound)))" }
        guard let sop = Self.sqlOp(op) else { throw Self.unsupported(op, element.name) }
        return "\(expr) \(sop) \(bind(bound))"
    }

    mutating func comparison(_ op: WhereOperator, column: String, bound: String, kind: String, likeValue: String) throws -> String {
        switch op {
        case .like:
            args.removeLast()
            return "iris_like(\(column), \(bind(likeValue)))"
        case .equal, .notEqual, .greaterThan, .greaterThanEqual, .lessThan, .lessThanEqual:
            return "\(column) \(Self.sqlOp(op)!) \(bound)"
        default:
            throw Self.unsupported(op, kind)
        }
    }

    static func unsupported(_ op: WhereOperator, _ type: String) -> DatabaseError {
        err("invalid where filter: operator \(op.rawValue) is not supported for type \(type)")
    }

    func noSuchProp(_ name: String, _ st: ClassState) -> DatabaseError {
        Self.err("no such prop with name '\(name)' found in class '\(st.name)' in the schema. Check your schema files for which properties in this class are available")
    }

    /// `[refProp, Class, ...rest]`: objects whose reference list points at an object of Class matching rest.
    mutating func compileReference(_ f: WhereFilter, _ path: [String], _ st: ClassState, _ q: String) throws -> String {
        let refProp = path[0]
        guard let p = st.definition.property(named: refProp), case .reference(let targets)? = p.kind else {
            throw noSuchProp(refProp, st)
        }
        let targetName = path[1]
        guard targets.contains(targetName), let targetClass = db.state(targetName) else {
            throw Self.err("invalid where filter: reference property '\(refProp)' does not point to class '\(targetName)'")
        }
        // A multi-tenant target is filtered in the referencing object's tenant.
        let target = try targetClass.definition.multiTenancyEnabled ? db.shard(targetClass, tenant: st.tenant) : targetClass
        aliasCounter += 1
        let n = aliasCounter
        let alias = "r\(n)"
        var sub = f
        sub.path = Array(path.dropFirst(2))
        let pathArg = bind(dialect.propertyPath(refProp))
        let inner = try compile(sub, target, alias)
        let elements = dialect.arrayElements("\(q).props", path: pathArg, alias: "je\(n)")
        return "EXISTS (SELECT 1 FROM \(elements) WHERE \(dialect.beaconTarget("je\(n)")) IN (SELECT \(alias).uuid FROM \(ObjectTables.tableName(target.id)) AS \(alias) WHERE \(inner)))"
    }
}
