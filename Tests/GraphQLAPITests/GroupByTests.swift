import XCTest
@testable import Database
@testable import GraphQLAPI

/// Get `groupBy` / `group` / `consistencyLevel` and `_additional { group isConsistent classification }`
/// through the GraphQL schema (the grouping itself is tested in DatabaseTests.GroupingTests).
final class GroupByTests: XCTestCase {
    private func fixture() async throws -> Fixture {
        let f = try Fixture()
        try await f.createClass("Person", properties: [("name", "text")])
        _ = try await f.db.createClass(ClassDefinition(className: "Call", properties: [
            PropertyDefinition(name: "caller", dataType: ["Person"]), PropertyDefinition(name: "kind", dataType: ["text"]),
        ], vectorIndexConfig: ["distance": .string("cosine")]))
        try await f.insert("Person", (0..<3).map { (["name": .string("p\($0)")], [1, Float($0)]) })
        let calls: [(String, [Float], [Int])] = [("a", [1, 0], [0, 1]), ("b", [0.9, 0.2], [1]), ("a", [0, 1], [2])]
        let inputs = calls.enumerated().map { i, c in
            ObjectInput(className: "Call", id: uuid(100 + i), properties: [
                "kind": .string(c.0),
                "caller": .array(c.2.map { .object(["beacon": .string("weaviate://localhost/Person/\(uuid($0))")]) }),
            ], vector: c.1)
        }
        let results = try await f.db.batchObjects(inputs)
        XCTAssertTrue(results.allSatisfy { $0.error == nil })
        return f
    }

    func testGroupByShapeWithReferencesInHits() async throws {
        let f = try await fixture()
        let got = try await f.get("Call", """
            {Get{Call(nearVector: {vector: [1, 0]} groupBy: {path: ["kind"] groups: 2 objectsPerGroup: 5}){
              kind _additional{ id distance isConsistent group{ id count minDistance maxDistance groupedBy{value path}
                hits{ kind caller{... on Person{name}} _additional{id distance vector} } } } }}}
            """)
        XCTAssertEqual(got.count, 2)
        let g0 = got[0]["_additional"]!["group"]!
        XCTAssertEqual(g0["groupedBy"]?["value"], .string("a"))
        XCTAssertEqual(g0["groupedBy"]?["path"], .array([.string("kind")]))
        XCTAssertEqual(g0["id"], .int(0))
        XCTAssertEqual(g0["count"], .int(2))
        let hits = g0["hits"]!.arrayValue!
        XCTAssertEqual(hits.map { $0["_additional"]?["id"]?.stringValue }, [uuid(100), uuid(102)])
        XCTAssertEqual(hits[1]["caller"]?.arrayValue?.map { $0["name"]?.stringValue }, ["p2"])
        XCTAssertEqual(hits[0]["_additional"]?["vector"]?.arrayValue?.compactMap(\.doubleValue), [1, 0])
        XCTAssertEqual(g0["minDistance"]?.doubleValue ?? -1, 0, accuracy: 1e-6)
        XCTAssertEqual(g0["maxDistance"]?.doubleValue ?? -1, 1, accuracy: 1e-6)
        XCTAssertEqual(got[0]["_additional"]?["id"], .string(uuid(100)))
        XCTAssertEqual(got[0]["_additional"]?["isConsistent"], .bool(true))
        XCTAssertEqual(got[1]["_additional"]?["group"]?["groupedBy"]?["value"], .string("b"))

        let byRef = try await f.get("Call", """
            {Get{Call(nearObject: {id: "\(uuid(100))"} groupBy: {path: ["caller"] groups: 3 objectsPerGroup: 1}){
              _additional{ group{ groupedBy{value} } } }}}
            """)
        XCTAssertEqual(byRef.map { $0["_additional"]?["group"]?["groupedBy"]?["value"]?.stringValue },
                       [0, 1, 2].map { "weaviate://localhost/Person/\(uuid($0))" })
    }

    func testGroupConsistencyLevelClassificationAndErrors() async throws {
        let f = try await fixture()
        let closest = try await f.get("Call", "{Get{Call(nearVector: {vector: [1, 0]} group: {type: closest force: 0.1} consistencyLevel: QUORUM){kind}}}")
        XCTAssertEqual(closest.map { $0["kind"]?.stringValue }, ["a", "a"])
        let merged = try await f.get("Call", "{Get{Call(nearVector: {vector: [1, 0]} group: {type: merge force: 0.1}){kind _additional{classification{id}}}}}")
        XCTAssertEqual(merged.map { $0["kind"]?.stringValue }, ["a (b)", "a"])
        XCTAssertEqual(merged[0]["_additional"]?["classification"], .null)

        let noSearch = try await f.errorMessage("{Get{Call(groupBy: {path: [\"kind\"] groups: 1 objectsPerGroup: 1}){kind}}}")
        XCTAssertEqual(noSearch, "groupBy needs a search to group: use it with nearVector, nearObject, nearText, nearImage, bm25 or hybrid")
        let noType = try await f.errorMessage("{Get{Call(group: {force: 0.1}){kind}}}")
        XCTAssertEqual(noType, "grouper: unrecognized grouping strategy ''")
        let (_, missing) = try await f.query("{Get{Call(nearVector: {vector: [1, 0]} groupBy: {path: [\"kind\"] groups: 1}){kind}}}")
        XCTAssertNil(missing["data"])
        XCTAssertTrue(missing["errors"]?.arrayValue?.first?["message"]?.stringValue?.contains("GetObjectsCallGroupByInpObj") == true)
        let (_, level) = try await f.query("{Get{Call(consistencyLevel: MOST){kind}}}")
        XCTAssertTrue(level["errors"]?.arrayValue?.first?["message"]?.stringValue?.contains("CallConsistencyLevelEnum") == true)
    }
}
