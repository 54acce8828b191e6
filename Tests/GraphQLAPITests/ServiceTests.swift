import XCTest
@testable import Database
@testable import GraphQLAPI

/// Status codes and error shapes of /v1/graphql (reference 4), and the schema built from classes.
final class ServiceTests: XCTestCase {
    func testEmptyQueryAndEmptySchemaAre422() async throws {
        let f = try Fixture()
        var (status, body) = try await f.query("")
        XCTAssertEqual(status, 422)
        XCTAssertEqual(body, ["error": [["message": "query cannot be empty"]]])
        (status, body) = try await f.query("{Get{X{y}}}")
        XCTAssertEqual(status, 422)
        XCTAssertEqual(body, ["error": [["message": .string(GraphQLService.noProviderMessage)]]])
    }

    func testParseAndValidationErrorsOmitData() async throws {
        let f = try Fixture()
        try await f.createClass("Article", properties: [("title", "text")])
        var (status, body) = try await f.query("{Get{Article{title}")
        XCTAssertEqual(status, 200)
        XCTAssertNil(body["data"])
        XCTAssertNotNil(body["errors"]?[0]?["message"]?.stringValue)
        XCTAssertNotNil(body["errors"]?[0]?["locations"]?[0]?["line"])

        // An empty selection set in graphql-go's words (the v4 client looks for "Unexpected empty IN"); an
        // empty object value is not one.
        (_, body) = try await f.query("{Aggregate{Article{ }}}")
        XCTAssertEqual(body["errors"]?[0]?["message"], "Syntax Error GraphQL request (1:21) Unexpected empty IN {}")
        (_, body) = try await f.query("{Get{Article(where: {}) {title}}}")
        XCTAssertFalse(body["errors"]?[0]?["message"]?.stringValue?.contains("Unexpected empty IN") ?? false)

        (status, body) = try await f.query("{Get{Article{nope}}}")
        XCTAssertEqual(status, 200)
        XCTAssertNil(body["data"])
        XCTAssertEqual(body["errors"]?[0]?["message"]?.stringValue, "Cannot query field \"nope\" on type \"Article\".")

        // nearText exists only on classes vectorised by a module offering it.
        (_, body) = try await f.query("{Get{Article(nearText: {concepts: [\"x\"]}){title}}}")
        XCTAssertNil(body["data"])
        // graphql-go's wording (GraphQLSwift's own is rewritten to it).
        XCTAssertTrue(body["errors"]?[0]?["message"]?.stringValue?
            .hasPrefix("Unknown argument \"nearText\" on field \"Article\" of type \"GetObjectsObj\".") == true,
                      body.jsonString())
    }

    func testResolverErrorShape() async throws {
        let f = try Fixture()
        try await f.createClass("Article", metric: "dot", properties: [("title", "text")])
        let (status, body) = try await f.query("{Get{Article(nearVector: {vector: [1]}){_additional{certainty}}}}")
        XCTAssertEqual(status, 200)
        XCTAssertEqual(body["data"], ["Get": ["Article": nil]])
        let error = try XCTUnwrap(body["errors"]?[0])
        XCTAssertEqual(error["message"], "can't use certainty when vector index is configured with dot distance")
        XCTAssertEqual(error["path"], ["Get", "Article"])
        XCTAssertEqual(error["locations"], [["line": 1, "column": 6]])
    }

    func testPropertyTypesAdditionalFieldsAndReferences() async throws {
        let f = try Fixture()
        try await f.createClass("Author", properties: [("name", "text")])
        try await f.db.createClass(ClassDefinition(className: "Book", properties: [
            PropertyDefinition(name: "title", dataType: ["text"]),
            PropertyDefinition(name: "pages", dataType: ["int"]),
            PropertyDefinition(name: "rating", dataType: ["number"]),
            PropertyDefinition(name: "tags", dataType: ["text[]"]),
            PropertyDefinition(name: "inPrint", dataType: ["boolean"]),
            PropertyDefinition(name: "published", dataType: ["date"]),
            PropertyDefinition(name: "where", dataType: ["geoCoordinates"]),
            PropertyDefinition(name: "writtenBy", dataType: ["Author"]),
        ]))
        _ = try await f.db.batchObjects([ObjectInput(className: "Author", id: uuid(1), properties: ["name": "Ann"], vector: [1, 0])])
        _ = try await f.db.batchObjects([ObjectInput(className: "Book", id: uuid(2), properties: [
            "title": "T", "pages": 120, "rating": 4.5, "tags": ["a", "b"], "inPrint": true,
            "published": "2020-01-02T03:04:05Z", "where": ["latitude": 52.5, "longitude": 13.4],
            "writtenBy": [["beacon": .string("weaviate://localhost/Author/\(uuid(1))")]],
        ], vector: [0, 1])])
        let hits = try await f.get("Book", """
            {Get{Book{title pages rating tags inPrint published where{latitude longitude}
              writtenBy{... on Author{name _additional{id}}} _additional{id vector creationTimeUnix lastUpdateTimeUnix distance}}}}
            """)
        let b = try XCTUnwrap(hits.first)
        XCTAssertEqual(b["title"], "T")
        XCTAssertEqual(b["pages"], 120)
        XCTAssertEqual(b["rating"]?.doubleValue, 4.5)
        XCTAssertEqual(b["tags"], ["a", "b"])
        XCTAssertEqual(b["inPrint"], true)
        XCTAssertEqual(b["published"]?.stringValue?.hasPrefix("2020-01-02T03:04:05"), true)
        XCTAssertEqual(b["where"]?["latitude"]?.doubleValue ?? 0, 52.5, accuracy: 1e-4)
        XCTAssertEqual(b["writtenBy"], [["name": "Ann", "_additional": ["id": .string(uuid(1))]]])
        XCTAssertEqual(b["_additional"]?["id"]?.stringValue, uuid(2))
        XCTAssertEqual(b["_additional"]?["vector"], [0, 1])
        XCTAssertNotNil(b["_additional"]?["creationTimeUnix"]?.stringValue.flatMap { Int64($0) })
        XCTAssertNotNil(b["_additional"]?["lastUpdateTimeUnix"]?.stringValue.flatMap { Int64($0) })
        XCTAssertEqual(b["_additional"]?["distance"], .null)
    }

    /// Weaviate's GraphQL Int (graphql-go's) answers null for values outside 32 bits, and an int property
    /// holds any JSON integer: the value is null and the query still answers (GraphQLSwift's own Int threw).
    /// A US national number (6502530000) is the common case.
    func testIntsOutside32BitsAreNullAsInWeaviate() async throws {
        let f = try Fixture()
        try await f.createClass("Big", properties: [("n", "int"), ("phone", "phoneNumber"), ("times", "int[]")])
        try await f.insert("Big", [
            (["n": 3_000_000_000, "phone": ["input": "+1 650 253 0000"], "times": [1_733_580_000_000, 7, -9_007_199_254_740_993]], nil),
            (["n": -2_147_483_648, "phone": ["input": "+44 20 1234"], "times": []], nil),
        ])
        let got = try await f.get("Big", "{Get{Big(sort: [{path: [\"n\"], order: desc}]){n phone{national countryCode} times}}}")
        // int[] items outside 32 bits come back whole: GraphQLSwift cannot answer graphql-go's null item
        // (ResultValues.intItems), and failing the whole query would be worse.
        XCTAssertEqual(got, [
            ["n": .null, "phone": ["national": .null, "countryCode": 1], "times": [1_733_580_000_000, 7, -9_007_199_254_740_993]],
            ["n": -2_147_483_648, "phone": ["national": 201234, "countryCode": 44], "times": []],
        ])
    }

    func testSchemaFollowsClassChanges() async throws {
        let f = try Fixture()
        try await f.createClass("First", properties: [("a", "text")])
        _ = try await f.get("First", "{Get{First{a}}}")
        _ = try await f.db.addProperty(toClass: "First", PropertyDefinition(name: "b", dataType: ["int"]))
        try await f.createClass("Second")
        let (_, body) = try await f.query("{Get{First{a b} Second{_additional{id}}}}")
        XCTAssertNil(body["errors"], body.jsonString())
        try await f.db.deleteClass("Second")
        let message = try await f.errorMessage("{Get{Second{_additional{id}}}}")
        XCTAssertEqual(message, "Cannot query field \"Second\" on type \"GetObjectsObj\".")
    }

    func testBatchAnswersInOrder() async throws {
        let f = try Fixture()
        try await f.createClass("P")
        try await f.insert("P", [([:], [1, 0])])
        let body = #"[{"query":"{Get{P{_additional{id}}}}"},{"query":""},{"query":"{Aggregate{P{meta{count}}}}"}]"#
        let (status, data) = await f.service.handleBatch(body: Data(body.utf8))
        XCTAssertEqual(status, 200)
        let answers = try XCTUnwrap(try JSONValue.parse(data).arrayValue)
        XCTAssertEqual(answers.count, 3)
        XCTAssertEqual(answers[0]["data"]?["Get"]?["P"]?[0]?["_additional"]?["id"]?.stringValue, uuid(0))
        XCTAssertEqual(answers[1]["errors"]?[0]?["message"], "query cannot be empty")
        XCTAssertEqual(answers[2]["data"]?["Aggregate"]?["P"]?[0]?["meta"]?["count"], 1)
    }

    func testVariablesAndOperationName() async throws {
        let f = try Fixture()
        try await f.createClass("P")
        try await f.insert("P", [([:], [1, 0]), ([:], [0, 1])])
        let body = #"{"query":"query Q($v: [Float]!) {Get{P(limit: 1 nearVector: {vector: $v}){_additional{id}}}}","operationName":"Q","variables":{"v":[0,1]}}"#
        let (status, data) = await f.service.handle(body: Data(body.utf8))
        XCTAssertEqual(status, 200)
        XCTAssertEqual(try JSONValue.parse(data)["data"]?["Get"]?["P"]?[0]?["_additional"]?["id"]?.stringValue, uuid(1))
    }

    /// Identical operations or fragments in one document stopped the process inside GraphQLSwift's validator
    /// (its nodes hash by identity and compare by structure); now they get the uniqueness errors. Forty copies
    /// make the dictionary grow past a clash whatever the process's hash seed.
    func testRepeatedDefinitionsAreRefusedNotFatal() async throws {
        let f = try Fixture()
        try await f.createClass("P", properties: [("n", "int")])
        let cases: [(query: String, message: String, count: Int)] = [
            (String(repeating: "{ Get { P { n } } } ", count: 40), "This anonymous operation must be the only defined operation.", 40),
            (String(repeating: "{ __typename } ", count: 40), "This anonymous operation must be the only defined operation.", 40),
            (String(repeating: "query A { __typename } ", count: 40), "There can be only one operation named \"A\".", 39),
            ("{ Get { P { ...F } } } " + String(repeating: "fragment F on P { n } ", count: 40),
             "There can be only one fragment named \"F\".", 39),
        ]
        for c in cases {
            let (status, body) = try await f.query(c.query)
            XCTAssertEqual(status, 200, c.query)
            XCTAssertNil(body["data"], c.query)
            XCTAssertEqual(body["errors"]?.arrayValue?.count, c.count, c.query)
            XCTAssertEqual(body["errors"]?[1]?["message"]?.stringValue, c.message, c.query)
            XCTAssertNotNil(body["errors"]?[1]?["locations"]?[0]?["column"], c.query)
        }
        // One anonymous operation beside a named one: the same rule, without the crash risk.
        let (_, body) = try await f.query("{ __typename } query B { __typename }")
        XCTAssertEqual(body["errors"]?[0]?["message"], "This anonymous operation must be the only defined operation.")
        // A document whose definitions are unique still runs.
        let (_, ok) = try await f.query("query A { Get { P { n } } } query B { __typename }", operationName: "B")
        XCTAssertEqual(ok["data"]?["__typename"], "WeaviateObj")
    }

    /// Long number lists are validated through a shortened copy; errors still point into the query as sent.
    func testLongNumberListsValidateLikeTheFullQuery() async throws {
        let f = try Fixture()
        try await f.createClass("V")
        try await f.insert("V", [([:], [Float](repeating: 0.5, count: 16))])
        let floats = [String](repeating: "0.5", count: 16).joined(separator: ", ")
        let ints = [String](repeating: "1", count: 16).joined(separator: ", ")
        let ok = try await f.get("V", "{Get{V(nearVector: {vector: [\(floats)]}){_additional{id}}}}")
        XCTAssertEqual(ok.count, 1)
        let okInts = try await f.get("V", "{Get{V(nearVector: {vector: [\(ints)]}){_additional{id}}}}")
        XCTAssertEqual(okInts.count, 1)

        // A bad element at the end of a long list: the full query's error and location.
        let bad = "{Get{V(nearVector: {vector: [\(floats), \"x\"]}){_additional{id}}}}"
        var (_, body) = try await f.query(bad)
        XCTAssertNil(body["data"])
        XCTAssertEqual(body["errors"]?[0]?["locations"]?[0]?["column"]?.intValue, column(of: "\"x\"", in: bad))
        // Floats where Ints are expected (a list for a scalar argument), and another error after the list.
        (_, body) = try await f.query("{Get{V(limit: [\(floats)]){_additional{id}}}}")
        XCTAssertNil(body["data"])
        XCTAssertNotNil(body["errors"]?[0]?["message"])
        let unknown = "{Get{V(nearVector: {vector: [\(floats)]}){nope}}}"
        (_, body) = try await f.query(unknown)
        XCTAssertEqual(body["errors"]?[0]?["message"]?.stringValue?.hasPrefix("Cannot query field \"nope\" on type \"V\"."), true)
        XCTAssertEqual(body["errors"]?[0]?["locations"]?[0]?["column"]?.intValue, column(of: "nope", in: unknown))
    }

    private func column(of needle: String, in text: String) -> Int64 {
        Int64(text.utf8.count - text[text.range(of: needle)!.lowerBound...].utf8.count + 1)
    }
}
