import Foundation
import Storage
import XCTest
@testable import Database

/// The filter compiler's two SQL dialects on one small corpus with answers worked out by hand: the SQLite
/// dialect on the embedded store, the PostgreSQL dialect on a real PostgreSQL holding copies of the same
/// rows (`IRIS_TEST_POSTGRES_URL`, which scripts/test.sh starts from tests/pg_server.py; `IRIS_TEST_PSQL`
/// names psql if it is not on PATH). Every operator form whose SQL differs between the dialects appears:
/// negation, JSON array elements per element type, array and scalar lengths, absence, references,
/// wildcards over the token table.
final class FilterDialectTests: XCTestCase {
    static func objectID(_ n: Int) -> String { String(format: "d0000000-0000-0000-0000-%012d", n) }
    static func targetID(_ n: Int) -> String { String(format: "a0000000-0000-0000-0000-%012d", n) }
    static func beacon(_ n: Int) -> JSONValue { ["beacon": .string("weaviate://localhost/T/\(targetID(n))")] }

    /// Objects 1–4 of class D (see `corpus`), and which of them each filter matches.
    static let cases: [(name: String, filter: WhereFilter, matches: Set<Int>)] = [
        ("word token equal", WhereFilter(operator: .equal, path: ["name"], valueText: "red"), [1, 3]),
        ("word token not equal", WhereFilter(operator: .notEqual, path: ["name"], valueText: "red"), [2, 4]),
        ("wildcard *", WhereFilter(operator: .like, path: ["name"], valueText: "app*"), [1, 2]),
        ("wildcard ?", WhereFilter(operator: .like, path: ["name"], valueText: "?ed"), [1, 3]),
        ("field equal", WhereFilter(operator: .equal, path: ["code"], valueText: "A-2"), [2]),
        ("int greater", WhereFilter(operator: .greaterThan, path: ["n"], valueInt: 2), [3, 4]),
        ("number at most", WhereFilter(operator: .lessThanEqual, path: ["x"], valueNumber: 2.5), [1, 2]),
        ("boolean equal", WhereFilter(operator: .equal, path: ["flag"], valueBoolean: true), [1, 3]),
        ("boolean not equal (absent counts)", WhereFilter(operator: .notEqual, path: ["flag"], valueBoolean: true), [2, 4]),
        ("text[] token", WhereFilter(operator: .equal, path: ["tags"], valueText: "fruit"), [1, 2]),
        ("int[] element equal", WhereFilter(operator: .equal, path: ["nums"], valueInt: 2), [1, 4]),
        ("int[] element greater", WhereFilter(operator: .greaterThan, path: ["nums"], valueInt: 4), [4]),
        ("int[] no element equal", WhereFilter(operator: .notEqual, path: ["nums"], valueInt: 2), [2, 3]),
        ("number[] element", WhereFilter(operator: .lessThan, path: ["xs"], valueNumber: 0.5), [1]),
        ("boolean[] element", WhereFilter(operator: .equal, path: ["flags"], valueBoolean: false), [1, 3]),
        ("array length (absent is 0)", WhereFilter(operator: .equal, path: ["len(tags)"], valueInt: 0), [3, 4]),
        ("text length", WhereFilter(operator: .greaterThan, path: ["len(name)"], valueInt: 7), [1, 2, 4]),
        ("array is null (empty counts)", WhereFilter(operator: .isNull, path: ["nums"], valueBoolean: true), [3]),
        ("scalar is null", WhereFilter(operator: .isNull, path: ["x"], valueBoolean: true), [4]),
        ("scalar is not null", WhereFilter(operator: .isNull, path: ["x"], valueBoolean: false), [1, 2, 3]),
        ("not", WhereFilter(operator: .not, operands: [
            WhereFilter(operator: .greaterThan, path: ["n"], valueInt: 1),
            WhereFilter(operator: .equal, path: ["flag"], valueBoolean: true)]), [1, 2, 4]),
        ("not over an absent value", WhereFilter(operator: .not, operands: [
            WhereFilter(operator: .greaterThan, path: ["x"], valueNumber: 2)]), [1, 4]),
        ("or", WhereFilter(operator: .or, operands: [
            WhereFilter(operator: .equal, path: ["n"], valueInt: 1),
            WhereFilter(operator: .equal, path: ["code"], valueText: "S-1")]), [1, 4]),
        ("reference target property", WhereFilter(operator: .equal, path: ["ref", "T", "title"], valueText: "alpha"), [1, 4]),
        ("reference count", WhereFilter(operator: .greaterThanEqual, path: ["ref"], valueInt: 2), [4]),
        ("no reference", WhereFilter(operator: .equal, path: ["ref"], valueInt: 0), [3]),
        ("id", WhereFilter(operator: .equal, path: ["id"], valueText: objectID(2).uppercased()), [2]),
        ("empty token list never matches", WhereFilter(operator: .equal, path: ["name"], valueText: "!!"), []),
    ]

    var t: TempDatabase!
    override func tearDown() { t = nil }

    /// Class T (two targets) and class D (four objects) on the embedded store.
    func corpus() async throws -> ClassState {
        t = try TempDatabase { $0.autoSchemaEnabled = false }
        return try await Self.load(into: t.db)
    }

    /// Creates class T (two targets) and class D (four objects) in `db` (either engine); returns D's state.
    static func load(into db: IrisDatabase) async throws -> ClassState {
        _ = try await db.createClass(ClassDefinition(className: "T", properties: [
            PropertyDefinition(name: "title", dataType: ["text"], tokenization: "field")]))
        _ = try await db.createClass(ClassDefinition(className: "D", properties: [
            PropertyDefinition(name: "name", dataType: ["text"]),
            PropertyDefinition(name: "code", dataType: ["text"], tokenization: "field"),
            PropertyDefinition(name: "n", dataType: ["int"]),
            PropertyDefinition(name: "x", dataType: ["number"]),
            PropertyDefinition(name: "flag", dataType: ["boolean"]),
            PropertyDefinition(name: "tags", dataType: ["text[]"]),
            PropertyDefinition(name: "nums", dataType: ["int[]"]),
            PropertyDefinition(name: "xs", dataType: ["number[]"]),
            PropertyDefinition(name: "flags", dataType: ["boolean[]"]),
            PropertyDefinition(name: "ref", dataType: ["T"]),
        ], invertedIndexConfig: ["indexNullState": true]))
        var inputs = [
            ObjectInput(className: "T", id: Self.targetID(1), properties: ["title": "alpha"]),
            ObjectInput(className: "T", id: Self.targetID(2), properties: ["title": "beta"]),
        ]
        let d: [[String: JSONValue]] = [
            ["name": "Red apple", "code": "A-1", "n": 1, "x": 1.5, "flag": true, "tags": ["fruit", "red"],
             "nums": [1, 2], "xs": [0.25, 1], "flags": [true, false], "ref": [Self.beacon(1)]],
            ["name": "Green apple", "code": "A-2", "n": 2, "x": 2.5, "flag": false, "tags": ["fruit", "green"],
             "nums": [3], "xs": [0.5], "flags": [true], "ref": [Self.beacon(2)]],
            ["name": "Red car", "code": "C-1", "n": 3, "x": 3.5, "flag": true, "tags": [], "nums": [], "flags": [false]],
            ["name": "Blue sky", "code": "S-1", "n": 4, "nums": [2, 5], "xs": [2], "ref": [Self.beacon(1), Self.beacon(2)]],
        ]
        for (k, p) in d.enumerated() { inputs.append(ObjectInput(className: "D", id: Self.objectID(k + 1), properties: p)) }
        let results = try await db.batchObjects(inputs)
        XCTAssertTrue(results.allSatisfy { $0.error == nil }, "\(results.compactMap(\.error))")
        return try XCTUnwrap(db.state("D"))
    }

    func compile(_ f: WhereFilter, _ st: ClassState, _ dialect: any SQLDialect) throws -> CompiledFilter {
        try FilterCompiler.compile(f, state: st, qualifier: ObjectTables.tableName(st.id), in: t.db, dialect: dialect)
    }

    func expected(_ matches: Set<Int>) -> [String] { matches.map(Self.objectID).sorted() }

    func testSQLiteDialectOnSQLite() async throws {
        let st = try await corpus()
        for c in Self.cases {
            let compiled = try compile(c.filter, st, SQLiteDialect())
            let got = try await t.db.store.pool.read { db in
                try ObjectTables.ids(db, classID: st.id, condition: compiled.sql,
                                     arguments: EmbeddedRows.arguments(compiled)).map(\.uuid)
            }
            XCTAssertEqual(got.sorted(), expected(c.matches), "\(c.name): \(compiled.sql)")
        }
    }

    func testPostgresDialectOnPostgres() async throws {
        guard let url = ProcessInfo.processInfo.environment["IRIS_TEST_POSTGRES_URL"] else {
            throw XCTSkip("IRIS_TEST_POSTGRES_URL is not set (scripts/test.sh starts a PostgreSQL and sets it)")
        }
        let st = try await corpus()
        let target = try XCTUnwrap(t.db.state("T"))
        let pg = PSQL(url: url, schema: "dialect_\(UInt32.random(in: 0...UInt32.max))")
        defer { _ = try? pg.run("DROP SCHEMA \(pg.schema) CASCADE", inSchema: false) }
        _ = try pg.run("CREATE SCHEMA \(pg.schema)", inSchema: false)
        for table in [ObjectTables.tableName(target.id), ObjectTables.tableName(st.id),
                      ObjectTables.tokenTableName(st.id), ObjectTables.lengthTableName(st.id)] {
            try copy(table, to: pg)
        }
        for c in Self.cases {
            let compiled = try compile(c.filter, st, PostgresDialect())
            let args = compiled.arguments.map(PSQL.literal).joined(separator: ", ")
            let got = try pg.run("""
                PREPARE q AS SELECT uuid FROM \(ObjectTables.tableName(st.id)) WHERE \(compiled.sql);
                EXECUTE q\(args.isEmpty ? "" : "(\(args))");
                """)
            XCTAssertEqual(got.split(separator: "\n").map(String.init).sorted(), expected(c.matches), "\(c.name): \(compiled.sql)")
        }
    }

    func testPlaceholdersAreNumberedInBindOrder() async throws {
        let st = try await corpus()
        let f = WhereFilter(operator: .and, operands: [
            WhereFilter(operator: .greaterThan, path: ["nums"], valueInt: 4),
            WhereFilter(operator: .equal, path: ["code"], valueText: "S-1")])
        let pg = try compile(f, st, PostgresDialect())
        let lite = try compile(f, st, SQLiteDialect())
        XCTAssertEqual(pg.arguments, [.text("nums"), .integer(4), .text("S-1")])
        XCTAssertEqual(lite.arguments, [.text("$.nums"), .integer(4), .text("S-1")])
        // Numbered placeholders may repeat (a path used twice); each number is one bound value.
        var numbers = Set<Int>()
        var rest = Substring(pg.sql)
        while let dollar = rest.firstIndex(of: "$") {
            rest = rest[rest.index(after: dollar)...]
            numbers.insert(Int(rest.prefix { $0.isNumber })!)
        }
        XCTAssertEqual(numbers, [1, 2, 3], pg.sql)
        XCTAssertFalse(pg.sql.contains("?"), pg.sql)
        XCTAssertEqual(lite.sql.filter { $0 == "?" }.count, 3, lite.sql)
    }

    /// Recreates an embedded table in PostgreSQL (same columns; `props` as jsonb; vectors left out) with its rows.
    func copy(_ table: String, to pg: PSQL) throws {
        let (columns, rows) = try t.db.store.pool.read { db -> ([(String, String)], [Row]) in
            let cols = try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))").map { ($0["name"] as String, $0["type"] as String) }
            return (cols, try Row.fetchAll(db, sql: "SELECT * FROM \(table)"))
        }
        let kept = columns.filter { $0.1.uppercased() != "BLOB" }
        func pgType(_ name: String, _ type: String) -> String {
            if name == "props" { return "jsonb" }
            switch type.uppercased() {
            case "INTEGER": return "bigint"
            case "REAL": return "double precision"
            default: return "text"
            }
        }
        var sql = "CREATE TABLE \(table) (\(kept.map { "\($0.0) \(pgType($0.0, $0.1))" }.joined(separator: ", ")));\n"
        for r in rows {
            let values = kept.map { c -> String in
                let v: DatabaseValue = r[c.0]
                switch v.storage {
                case .null: return "NULL"
                case .int64(let i): return String(i)
                case .double(let d): return String(d)
                case .string(let s): return PSQL.quote(s) + (c.0 == "props" ? "::jsonb" : "")
                case .blob: return "NULL"
                }
            }
            sql += "INSERT INTO \(table) VALUES (\(values.joined(separator: ", ")));\n"
        }
        _ = try pg.run(sql)
    }
}

/// psql against one schema of a PostgreSQL server.
struct PSQL {
    let url: String
    let schema: String

    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }
    static func literal(_ v: SQLValue) -> String {
        switch v {
        case .integer(let i): return String(i)
        case .real(let d): return String(d)
        case .text(let s): return quote(s)
        }
    }

    /// Runs `sql` (statements separated by `;`), stopping at the first error; returns the rows, one per line.
    func run(_ sql: String, inSchema: Bool = true) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let psql = ProcessInfo.processInfo.environment["IRIS_TEST_PSQL"] ?? "psql"
        p.arguments = [psql, url, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-f", "-"]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        p.standardInput = input
        p.standardOutput = output
        p.standardError = errors
        try p.run()
        input.fileHandleForWriting.write(Data(((inSchema ? "SET search_path TO \(schema);\n" : "") + sql).utf8))
        try input.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw DatabaseError.internal("psql failed (\(p.terminationStatus)): \(String(decoding: err, as: UTF8.self))\n\(sql)")
        }
        return String(decoding: out, as: UTF8.self)
    }
}
