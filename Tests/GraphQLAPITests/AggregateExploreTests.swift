import XCTest
@testable import Database
@testable import GraphQLAPI

final class AggregateExploreTests: XCTestCase {
    private func seeded() async throws -> Fixture {
        let f = try Fixture()
        try await f.createClass("Shirt", properties: [("color", "text"), ("price", "number"), ("size", "int"),
                                                 ("onSale", "boolean"), ("added", "date")])
        let rows: [(String, Double, Int64, Bool)] = [
            ("red", 10, 1, true), ("red", 20, 2, false), ("blue", 30, 2, true), ("green", 40, 3, true), ("red", 50, 5, false),
        ]
        try await f.insert("Shirt", rows.enumerated().map { i, r in
            (["color": .string(r.0), "price": .double(r.1), "size": .int(r.2), "onSale": .bool(r.3),
              "added": .string("2023-05-0\(i + 1)T10:00:00Z")], [Float(i), 1])
        })
        return f
    }

    func testMetaAndPropertyAggregations() async throws {
        let f = try await seeded()
        let (status, body) = try await f.query("""
            {Aggregate{Shirt{meta{count} price{count sum mean median mode minimum maximum type} size{mean median mode sum}
             color{count type topOccurrences(limit: 2){value occurs}} onSale{count totalTrue totalFalse percentageTrue percentageFalse}
             added{count}}}}
            """)
        XCTAssertEqual(status, 200)
        XCTAssertNil(body["errors"], body.jsonString())
        let g = try XCTUnwrap(body["data"]?["Aggregate"]?["Shirt"]?.arrayValue?.first)
        XCTAssertEqual(g["meta"]?["count"], 5)
        XCTAssertEqual(g["price"]?["sum"]?.doubleValue, 150)
        XCTAssertEqual(g["price"]?["mean"]?.doubleValue, 30)
        XCTAssertEqual(g["price"]?["median"]?.doubleValue, 30)
        XCTAssertEqual(g["price"]?["minimum"]?.doubleValue, 10)
        XCTAssertEqual(g["price"]?["maximum"]?.doubleValue, 50)
        XCTAssertEqual(g["price"]?["type"], "number")
        XCTAssertEqual(g["size"]?["mode"]?.doubleValue, 2)
        XCTAssertEqual(g["size"]?["median"]?.doubleValue, 2)
        XCTAssertEqual(g["size"]?["mean"]?.doubleValue ?? 0, 2.6, accuracy: 1e-9)
        XCTAssertEqual(g["color"]?["count"], 5)
        XCTAssertEqual(g["color"]?["topOccurrences"], [["value": "red", "occurs": 3], ["value": "blue", "occurs": 1]])
        XCTAssertEqual(g["onSale"]?["totalTrue"], 3)
        XCTAssertEqual(g["onSale"]?["totalFalse"], 2)
        XCTAssertEqual(g["onSale"]?["percentageTrue"]?.doubleValue ?? 0, 0.6, accuracy: 1e-9)
        XCTAssertEqual(g["added"]?["count"], 5)
    }

    /// Date aggregations (Weaviate ≥ 1.20) and the list operators of `where` (≥ 1.21), as the v4 client
    /// sends them: `valueText: ["a", "b"]` with ContainsAny / ContainsAll / ContainsNone.
    func testDateAggregationAndContainsOperators() async throws {
        let f = try await seeded()
        var (status, body) = try await f.query("{Aggregate{Shirt{added{count minimum maximum median mode}}}}")
        XCTAssertEqual(status, 200)
        let added = body["data"]?["Aggregate"]?["Shirt"]?[0]?["added"]
        XCTAssertEqual(added, ["count": 5, "minimum": "2023-05-01T10:00:00Z", "maximum": "2023-05-05T10:00:00Z",
                               "median": "2023-05-03T10:00:00Z", "mode": "2023-05-01T10:00:00Z"], body.jsonString())

        func count(_ filter: String) async throws -> JSONValue? {
            let (_, body) = try await f.query("{Aggregate{Shirt(where: \(filter)){meta{count}}}}")
            XCTAssertNil(body["errors"], body.jsonString())
            return body["data"]?["Aggregate"]?["Shirt"]?[0]?["meta"]?["count"]
        }
        var n = try await count(#"{path: ["color"] operator: ContainsAny valueText: ["red", "blue"]}"#)
        XCTAssertEqual(n, 4)
        n = try await count(#"{path: ["color"] operator: ContainsNone valueText: ["red", "blue"]}"#)
        XCTAssertEqual(n, 1)
        n = try await count(#"{path: ["size"] operator: ContainsAll valueInt: [2]}"#)
        XCTAssertEqual(n, 2)
        n = try await count(#"{path: ["size"] operator: ContainsAny valueInt: 5}"#)
        XCTAssertEqual(n, 1)
        // Python's spelling of booleans, as the v4 client writes them.
        n = try await count(#"{path: ["onSale"] operator: ContainsAny valueBoolean: [False]}"#)
        XCTAssertEqual(n, 2)
        n = try await count(#"{path: ["onSale"] operator: Equal valueBoolean: True}"#)
        XCTAssertEqual(n, 3)
        // Each element keeps its scalar's check; a list on a plain operator is refused.
        (status, body) = try await f.query(#"{Aggregate{Shirt(where: {path: ["size"] operator: ContainsAny valueInt: [2, "x"]}){meta{count}}}}"#)
        XCTAssertNotNil(body["errors"])
        (_, body) = try await f.query(#"{Aggregate{Shirt(where: {path: ["size"] operator: Equal valueInt: [2]}){meta{count}}}}"#)
        XCTAssertEqual(body["errors"]?[0]?["message"], "invalid where filter: valueInt must be an integer")
    }

    func testGroupByWhereAndNearVector() async throws {
        let f = try await seeded()
        var (_, body) = try await f.query("{Aggregate{Shirt(groupBy: [\"color\"]){groupedBy{path value} meta{count} price{sum}}}}")
        let groups = try XCTUnwrap(body["data"]?["Aggregate"]?["Shirt"]?.arrayValue)
        XCTAssertEqual(groups.count, 3)
        XCTAssertEqual(groups[0]["groupedBy"], ["path": ["color"], "value": "red"])
        XCTAssertEqual(groups[0]["meta"]?["count"], 3)
        XCTAssertEqual(groups[0]["price"]?["sum"]?.doubleValue, 80)

        (_, body) = try await f.query("{Aggregate{Shirt(where: {path: [\"price\"] operator: GreaterThan valueNumber: 25}){meta{count}}}}")
        XCTAssertEqual(body["data"]?["Aggregate"]?["Shirt"]?[0]?["meta"]?["count"], 3)

        (_, body) = try await f.query("{Aggregate{Shirt(objectLimit: 2 nearVector: {vector: [0, 1]}){meta{count} size{sum}}}}")
        XCTAssertNil(body["errors"], body.jsonString())
        // The two nearest to [0,1] by cosine are objects 0 ([0,1]) and 1 ([1,1]): sizes 1 + 2.
        XCTAssertEqual(body["data"]?["Aggregate"]?["Shirt"]?[0]?["meta"]?["count"], 2)
        XCTAssertEqual(body["data"]?["Aggregate"]?["Shirt"]?[0]?["size"]?["sum"]?.doubleValue, 3)

        let message = try await f.errorMessage("{Aggregate{Shirt(nearVector: {vector: [0, 1]}){meta{count}}}}")
        XCTAssertEqual(message, "must provide certainty or objectLimit with vector search")
        (_, body) = try await f.query("{Aggregate{Shirt(nearVector: {vector: [0, 1] distance: 0.3}){meta{count}}}}")
        // cosine distance to [0,1]: obj0 0, obj1 0.293, obj2 0.553, ...
        XCTAssertEqual(body["data"]?["Aggregate"]?["Shirt"]?[0]?["meta"]?["count"], 2)
    }

    func testExploreAcrossClasses() async throws {
        let f = try Fixture()
        try await f.createClass("A")
        try await f.createClass("B")
        try await f.insert("A", [([:], [1, 0]), ([:], [0, 1])])
        try await f.db.batchObjects([ObjectInput(className: "B", id: uuid(9), properties: [:], vector: [0.9, 0.1])])
        var (status, body) = try await f.query("{Explore(nearVector: {vector: [1, 0]}){beacon className certainty distance}}")
        XCTAssertEqual(status, 200)
        let hits = try XCTUnwrap(body["data"]?["Explore"]?.arrayValue)
        XCTAssertEqual(hits.count, 3)
        XCTAssertEqual(hits[0]["beacon"]?.stringValue, "weaviate://localhost/A/\(uuid(0))")
        XCTAssertEqual(hits[1]["className"]?.stringValue, "B")
        XCTAssertEqual(hits[2]["distance"]?.doubleValue ?? 0, 1, accuracy: 1e-6)
        XCTAssertEqual(hits[2]["certainty"]?.doubleValue ?? 0, 0.5, accuracy: 1e-6)

        (_, body) = try await f.query("{Explore(limit: 1 nearObject: {beacon: \"weaviate://localhost/B/\(uuid(9))\"}){className}}")
        XCTAssertEqual(body["data"]?["Explore"], [["className": "B"]])

        (_, body) = try await f.query("{Explore(nearVector: {vector: [1, 0] distance: 0.5}){className}}")
        XCTAssertEqual(body["data"]?["Explore"]?.arrayValue?.count, 2)

        try await f.createClass("C", metric: "dot")
        let message = try await f.errorMessage("{Explore(nearVector: {vector: [1, 0]}){className}}")
        XCTAssertTrue(message?.hasPrefix("vector search across classes not possible: found different distance metrics") == true,
                      message ?? "nil")
    }

    func testExploreDefaultLimitIsTwenty() async throws {
        let f = try Fixture()
        try await f.createClass("Many")
        var rng = SplitMix(state: 3)
        try await f.insert("Many", (0..<30).map { _ in ([:], rng.vector(3)) })
        let (_, body) = try await f.query("{Explore(nearVector: {vector: [1, 0, 0]}){beacon}}")
        XCTAssertEqual(body["data"]?["Explore"]?.arrayValue?.count, 20)
    }
}
