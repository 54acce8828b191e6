import XCTest
@testable import Database

/// Every operator and value type of `where`, checked against a brute-force evaluation over the objects.
final class FilterTests: XCTestCase {
    struct Row {
        var id: String
        var props: [String: JSONValue]
        var created: Int64
    }

    var t: TempDatabase!
    var rows: [Row] = []

    let words = ["red", "green", "blue", "apple", "pear", "Sky", "sea"]
    let baseDate = 1_680_000_000  // seconds

    override func setUp() async throws {
        t = try TempDatabase { $0.autoSchemaEnabled = false }
        _ = try await t.db.createClass(ClassDefinition(className: "F", properties: [
            PropertyDefinition(name: "title", dataType: ["text"]),
            PropertyDefinition(name: "code", dataType: ["text"], tokenization: "field"),
            PropertyDefinition(name: "n", dataType: ["int"]),
            PropertyDefinition(name: "x", dataType: ["number"]),
            PropertyDefinition(name: "b", dataType: ["boolean"]),
            PropertyDefinition(name: "d", dataType: ["date"]),
            PropertyDefinition(name: "u", dataType: ["uuid"]),
            PropertyDefinition(name: "tags", dataType: ["text[]"]),
            PropertyDefinition(name: "ns", dataType: ["int[]"]),
            PropertyDefinition(name: "xs", dataType: ["number[]"]),
            PropertyDefinition(name: "ds", dataType: ["date[]"]),
            PropertyDefinition(name: "geo", dataType: ["geoCoordinates"]),
            PropertyDefinition(name: "hidden", dataType: ["int"], indexFilterable: false),
        ], invertedIndexConfig: ["indexTimestamps": true, "indexNullState": true]))
        var rng = SystemRandomNumberGenerator()
        var inputs: [ObjectInput] = []
        for i in 0..<120 {
            var p: [String: JSONValue] = [:]
            func maybe(_ v: @autoclosure () -> JSONValue) -> JSONValue? { Int.random(in: 0..<6, using: &rng) == 0 ? nil : v() }
            p["title"] = maybe(.string((0..<Int.random(in: 1...3, using: &rng)).map { _ in self.words.randomElement()! }.joined(separator: " ")))
            p["code"] = maybe(.string("C-\(Int.random(in: 0..<5, using: &rng))"))
            p["n"] = maybe(.int(Int64(Int.random(in: -5...5, using: &rng))))
            p["x"] = maybe(.double(Double(Int.random(in: -20...20, using: &rng)) / 4))
            p["b"] = maybe(.bool(Bool.random(using: &rng)))
            p["d"] = maybe(.string(Self.date(self.baseDate + 3600 * Int.random(in: 0..<10, using: &rng))))
            p["u"] = maybe(.string(String(format: "00000000-0000-0000-0000-%012d", Int.random(in: 0..<4, using: &rng))))
            p["tags"] = maybe(.array((0..<Int.random(in: 0...3, using: &rng)).map { _ in .string(self.words.randomElement()!) }))
            p["ns"] = maybe(.array((0..<Int.random(in: 0...3, using: &rng)).map { _ in .int(Int64(Int.random(in: 0...4, using: &rng))) }))
            p["xs"] = maybe(.array((0..<Int.random(in: 0...2, using: &rng)).map { _ in .double(Double(Int.random(in: 0...8, using: &rng)) / 2) }))
            p["ds"] = maybe(.array((0..<Int.random(in: 0...2, using: &rng)).map { _ in .string(Self.date(self.baseDate + 3600 * Int.random(in: 0..<10, using: &rng))) }))
            p["geo"] = maybe(["latitude": .double(52 + Double(Int.random(in: -100...100, using: &rng)) / 100),
                              "longitude": .double(4 + Double(Int.random(in: -100...100, using: &rng)) / 100)])
            p["hidden"] = .int(1)
            inputs.append(ObjectInput(className: "F", id: String(format: "10000000-0000-0000-0000-%012d", i), properties: p))
        }
        let results = try await t.db.batchObjects(inputs)
        XCTAssertTrue(results.allSatisfy { $0.error == nil }, "\(results.compactMap(\.error))")
        rows = try await t.db.listObjects(ListObjectsQuery(className: "F", limit: 1000)).map { Row(id: $0.id, props: $0.properties, created: $0.creationTimeUnix) }
        XCTAssertEqual(rows.count, 120)
    }

    override func tearDown() { t = nil }

    static func date(_ seconds: Int) -> String {
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(secondsFromGMT: 2 * 3600)
        return f.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    // MARK: Brute force

    static func wordTokens(_ s: String) -> [String] {
        s.lowercased().split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map(String.init)
    }

    static func like(_ s: String, _ pattern: String) -> Bool {
        let re = "^" + NSRegularExpression.escapedPattern(for: pattern).replacingOccurrences(of: "\\*", with: ".*")
            .replacingOccurrences(of: "\\?", with: ".") + "$"
        return s.range(of: re, options: .regularExpression) != nil
    }

    static func compare<T: Comparable>(_ a: T, _ op: WhereOperator, _ b: T) -> Bool {
        switch op {
        case .equal: return a == b
        case .notEqual: return a != b
        case .greaterThan: return a > b
        case .greaterThanEqual: return a >= b
        case .lessThan: return a < b
        case .lessThanEqual: return a <= b
        default: return false
        }
    }

    nonisolated(unsafe) static let isoParser = ISO8601DateFormatter()
    nonisolated(unsafe) static var parsedDates: [String: Double] = [:]
    static func dateSeconds(_ s: String) -> Double {
        if let d = parsedDates[s] { return d }
        let d = isoParser.date(from: s)!.timeIntervalSince1970
        parsedDates[s] = d
        return d
    }

    func matches(_ f: WhereFilter, _ r: Row) -> Bool {
        switch f.operator {
        case .and: return f.operands!.allSatisfy { matches($0, r) }
        case .or: return f.operands!.contains { matches($0, r) }
        case .not: return !f.operands!.allSatisfy { matches($0, r) }
        default: break
        }
        let name = f.path![0]
        var f = f
        if f.valueText == nil { f.valueText = f.valueString }
        if name == "id" { return Self.compare(r.id, f.operator, f.valueText!) || (f.operator == .like && Self.like(r.id, f.valueText!)) }
        if name == "_creationTimeUnix" { return Self.compare(r.created, f.operator, Int64(f.valueText!)!) }
        if name.hasPrefix("len(") {
            let prop = String(name.dropFirst(4).dropLast())
            let v = r.props[prop]
            let len = Int64(v?.arrayValue?.count ?? v?.stringValue?.count ?? 0)
            return Self.compare(len, f.operator, f.valueInt!)
        }
        let v = r.props[name]
        if f.operator == .isNull {
            let isNull = v == nil || v?.arrayValue?.isEmpty == true
            return isNull == f.valueBoolean!
        }
        if f.operator == .notEqual {
            var eq = f
            eq.operator = .equal
            return !matches(eq, r)
        }
        guard let v else { return false }
        if name == "tags", f.operator == .equal, let a = v.arrayValue {
            // Tokens of all elements form one set per object (Weaviate's inverted index).
            let all = Set(a.flatMap { Self.wordTokens($0.stringValue!) })
            let q = Self.wordTokens(f.valueText!)
            return !q.isEmpty && q.allSatisfy(all.contains)
        }
        if let a = v.arrayValue {
            return a.contains { element in
                var single = r
                single.props[name] = element
                return matches(f, single)
            }
        }
        switch name {
        case "title":
            if f.operator == .equal {
                let q = Self.wordTokens(f.valueText!)
                return !q.isEmpty && q.allSatisfy(Set(Self.wordTokens(v.stringValue!)).contains)
            }
            if f.operator == .like { return Self.wordTokens(v.stringValue!).contains { Self.like($0, f.valueText!.lowercased()) } }
            return Self.compare(v.stringValue!, f.operator, f.valueText!)
        case "tags":
            if f.operator == .equal {
                let q = Self.wordTokens(f.valueText!)
                return !q.isEmpty && q.allSatisfy(Set(Self.wordTokens(v.stringValue!)).contains)
            }
            if f.operator == .like { return Self.wordTokens(v.stringValue!).contains { Self.like($0, f.valueText!.lowercased()) } }
            return Self.compare(v.stringValue!, f.operator, f.valueText!)
        case "code", "u":
            if f.operator == .like { return Self.like(v.stringValue!, f.valueText!) }
            return Self.compare(v.stringValue!, f.operator, f.valueText!)
        case "n", "ns": return Self.compare(v.intValue!, f.operator, f.valueInt!)
        case "x", "xs": return Self.compare(v.doubleValue!, f.operator, f.valueNumber!)
        case "b": return Self.compare(v.boolValue! ? 1 : 0, f.operator, f.valueBoolean! ? 1 : 0)
        case "d", "ds": return Self.compare(Self.dateSeconds(v.stringValue!), f.operator, Self.dateSeconds(f.valueDate!))
        case "geo":
            let g = f.valueGeoRange!
            return geoDistanceMetres(v["latitude"]!.doubleValue!, v["longitude"]!.doubleValue!,
                                     g.geoCoordinates.latitude, g.geoCoordinates.longitude) <= g.distance.max
        default: return false
        }
    }

    func check(_ f: WhereFilter, file: StaticString = #filePath, line: UInt = #line) async throws {
        let expected = rows.filter { matches(f, $0) }.map(\.id).sorted()
        let ids = try await t.db.filterDocIDs(className: "F", filter: f)
        let got = try await t.db.objects(className: "F", docIDs: ids, includeVector: false).map(\.id).sorted()
        XCTAssertEqual(got, expected, "filter \(f)", file: file, line: line)
        await XCTAssertEqualAsync(try await t.db.count(className: "F", filter: f), expected.count, file: file, line: line)
    }

    let comparisons: [WhereOperator] = [.equal, .notEqual, .greaterThan, .greaterThanEqual, .lessThan, .lessThanEqual]

    func testEveryOperatorAndType() async throws {
        for op in comparisons {
            for n in [-2, 0, 3] as [Int64] {
                try await check(WhereFilter(operator: op, path: ["n"], valueInt: n))
                try await check(WhereFilter(operator: op, path: ["ns"], valueInt: n))
                try await check(WhereFilter(operator: op, path: ["len(tags)"], valueInt: n))
            }
            for x in [-1.25, 0, 2.5] {
                try await check(WhereFilter(operator: op, path: ["x"], valueNumber: x))
                try await check(WhereFilter(operator: op, path: ["xs"], valueNumber: x))
            }
            for d in [baseDate + 3600 * 3, baseDate + 3600 * 7] {
                try await check(WhereFilter(operator: op, path: ["d"], valueDate: Self.date(d)))
                try await check(WhereFilter(operator: op, path: ["ds"], valueDate: Self.date(d)))
            }
            try await check(WhereFilter(operator: op, path: ["code"], valueText: "C-2"))
            try await check(WhereFilter(operator: op, path: ["u"], valueText: "00000000-0000-0000-0000-000000000001"))
            try await check(WhereFilter(operator: op, path: ["_creationTimeUnix"], valueText: String(rows[60].created)))
        }
        for b in [true, false] {
            try await check(WhereFilter(operator: .equal, path: ["b"], valueBoolean: b))
            try await check(WhereFilter(operator: .notEqual, path: ["b"], valueBoolean: b))
        }
        for op in [WhereOperator.equal, .notEqual] {
            for q in ["red", "Apple", "blue sky", "missing"] {
                try await check(WhereFilter(operator: op, path: ["title"], valueText: q))
                try await check(WhereFilter(operator: op, path: ["tags"], valueString: q))
            }
            try await check(WhereFilter(operator: op, path: ["id"], valueText: rows[3].id))
        }
        for pattern in ["re*", "*e?", "?ky", "C-*", "c-*"] {
            try await check(WhereFilter(operator: .like, path: ["title"], valueText: pattern))
            try await check(WhereFilter(operator: .like, path: ["code"], valueText: pattern))
            try await check(WhereFilter(operator: .like, path: ["tags"], valueText: pattern))
        }
        try await check(WhereFilter(operator: .like, path: ["id"], valueText: "10000000-0000-0000-0000-00000000001*"))
        for name in ["title", "n", "tags", "geo", "d", "ns"] {
            try await check(WhereFilter(operator: .isNull, path: [name], valueBoolean: true))
            try await check(WhereFilter(operator: .isNull, path: [name], valueBoolean: false))
        }
        for km in [5.0, 30.0, 80.0] {
            try await check(WhereFilter(operator: .withinGeoRange, path: ["geo"], valueGeoRange: GeoRange(latitude: 52.1, longitude: 4.2, maxDistance: km * 1000)))
        }
    }

    func testLogicalOperators() async throws {
        let a = WhereFilter(operator: .greaterThan, path: ["n"], valueInt: 0)
        let b = WhereFilter(operator: .equal, path: ["title"], valueText: "red")
        let c = WhereFilter(operator: .lessThan, path: ["x"], valueNumber: 1)
        try await check(WhereFilter(operator: .and, operands: [a, b]))
        try await check(WhereFilter(operator: .or, operands: [a, b, c]))
        try await check(WhereFilter(operator: .not, operands: [a]))
        try await check(WhereFilter(operator: .and, operands: [WhereFilter(operator: .or, operands: [a, c]), WhereFilter(operator: .not, operands: [b])]))
    }

    func testFilterErrors() async throws {
        await XCTAssertThrowsDatabaseError(try await t.db.count(className: "F", filter: WhereFilter(operator: .equal, path: ["title"], valueInt: 1)),
                                     .unprocessable, "data type filter cannot use \"valueInt\" on type \"text\", use \"valueText\" instead")
        await XCTAssertThrowsDatabaseError(try await t.db.count(className: "F", filter: WhereFilter(operator: .equal, path: ["n"], valueText: "1")),
                                     .unprocessable, "data type filter cannot use \"valueText\" on type \"int\", use \"valueInt\" instead")
        await XCTAssertThrowsDatabaseError(try await t.db.count(className: "F", filter: WhereFilter(operator: .equal, path: ["x"], valueInt: 1)),
                                     .unprocessable, "data type filter cannot use \"valueInt\" on type \"number\", use \"valueNumber\" instead")
        await XCTAssertThrowsDatabaseError(try await t.db.count(className: "F", filter: WhereFilter(operator: .equal, path: ["nope"], valueInt: 1)),
            .unprocessable, "no such prop with name 'nope' found in class 'F' in the schema. Check your schema files for which properties in this class are available")
        await XCTAssertThrowsDatabaseError(try await t.db.count(className: "F", filter: WhereFilter(operator: .equal, path: ["hidden"], valueInt: 1)),
            .unprocessable, "Filtering by property 'hidden' requires inverted index. Is `indexFilterable` option of property 'hidden' enabled? Set it to `true` or leave empty")
        await XCTAssertThrowsDatabaseError(try WhereFilter.from(json: try json(#"{"operator":"Foo","path":["n"],"valueInt":1}"#)),
            .unprocessable, "operator in body should be one of [And Or Not Equal NotEqual GreaterThan GreaterThanEqual LessThan LessThanEqual Like WithinGeoRange IsNull ContainsAny ContainsAll ContainsNone]")
        let parsed = try WhereFilter.from(json: try json(#"{"operator":"And","operands":[{"operator":"Equal","path":["n"],"valueInt":2},{"operator":"Like","path":["title"],"valueText":"r*"}]}"#))
        XCTAssertEqual(parsed.operands?.count, 2)
        try await check(parsed)
    }

    func testBatchDelete() async throws {
        let f = WhereFilter(operator: .greaterThan, path: ["n"], valueInt: 2)
        let expected = rows.filter { matches(f, $0) }.count
        let dry = try await t.db.batchDelete(className: "F", filter: f, dryRun: true, verbose: true)
        XCTAssertEqual(dry.matches, expected)
        XCTAssertEqual(dry.objects.count, expected)
        XCTAssertTrue(dry.objects.allSatisfy { $0.status == "DRYRUN" })
        await XCTAssertEqualAsync(try await t.db.count(className: "F"), 120)
        let real = try await t.db.batchDelete(className: "F", filter: f, dryRun: false, verbose: false)
        XCTAssertEqual(real.successful, expected)
        XCTAssertEqual(real.failed, 0)
        XCTAssertEqual(real.objects, [])
        await XCTAssertEqualAsync(try await t.db.count(className: "F"), 120 - expected)
        await XCTAssertEqualAsync(try await t.db.count(className: "F", filter: f), 0)
        await XCTAssertThrowsDatabaseError(try await t.db.batchDelete(className: nil, filter: f, dryRun: false, verbose: false),
                                     .unprocessable, "validate: empty match.class clause")
        await XCTAssertThrowsDatabaseError(try await t.db.batchDelete(className: "F", filter: nil, dryRun: false, verbose: false),
                                     .unprocessable, "validate: empty match.where clause")
        await XCTAssertThrowsDatabaseError(try await t.db.batchDelete(className: "G", filter: f, dryRun: false, verbose: false),
                                     .unprocessable, "validate: class: G doesn't exist")
    }

    func testBatchDeleteCappedAtMaximumResults() async throws {
        let small = try TempDatabase { $0.queryMaximumResults = 10 }
        _ = try await small.db.batchObjects((0..<25).map { ObjectInput(className: "C", properties: ["n": .int(Int64($0))]) })
        let r = try await small.db.batchDelete(className: "C", filter: WhereFilter(operator: .greaterThanEqual, path: ["n"], valueNumber: 0),
                                         dryRun: false, verbose: true)
        XCTAssertEqual(r.matches, 10)
        XCTAssertEqual(r.limit, 10)
        XCTAssertEqual(r.successful, 10)
        XCTAssertEqual(r.objects.count, 10)
        await XCTAssertEqualAsync(try await small.db.count(className: "C"), 15)
    }

    /// A list operator over thousands of values (well past SQLite's 1,000-level expression limit) runs;
    /// past the bound-value limit it is a 422, not a storage failure.
    func testHugeValueListsRunOrAreRefusedAsInput() async throws {
        let t = try TempDatabase()
        _ = try await t.db.createClass(ClassDefinition(className: "L", properties: [PropertyDefinition(name: "n", dataType: ["int"])]))
        _ = try await t.db.batchObjects((0..<20).map { ObjectInput(className: "L", properties: ["n": .int(Int64($0))]) })
        func list(_ count: Int) throws -> WhereFilter {
            try WhereFilter.from(json: .object(["operator": "ContainsAny", "path": ["n"],
                                               "valueInt": .array((0..<count).map { .int(Int64($0 * 2)) })]))
        }
        await XCTAssertEqualAsync(try await t.db.count(className: "L", filter: try list(5000)), 10)
        await XCTAssertThrowsDatabaseError(try await t.db.count(className: "L", filter: try list(40_000)),
            .unprocessable, "invalid where filter: it holds 40000 values, at most 32000 are allowed")
    }
}
