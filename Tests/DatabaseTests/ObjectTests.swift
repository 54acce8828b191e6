import XCTest
@testable import Database

final class ObjectTests: XCTestCase {
    func makeClass(_ t: TempDatabase) async throws {
        _ = try await t.db.createClass(ClassDefinition(className: "Item", properties: [
            PropertyDefinition(name: "name", dataType: ["text"]),
            PropertyDefinition(name: "count", dataType: ["int"]),
            PropertyDefinition(name: "price", dataType: ["number"]),
            PropertyDefinition(name: "ok", dataType: ["boolean"]),
            PropertyDefinition(name: "when", dataType: ["date"]),
            PropertyDefinition(name: "ref", dataType: ["uuid"]),
            PropertyDefinition(name: "image", dataType: ["blob"]),
            PropertyDefinition(name: "where", dataType: ["geoCoordinates"]),
            PropertyDefinition(name: "phone", dataType: ["phoneNumber"]),
            PropertyDefinition(name: "tags", dataType: ["text[]"]),
            PropertyDefinition(name: "scores", dataType: ["int[]"]),
        ]))
    }

    func testCreateGetReplaceMergeDelete() async throws {
        let t = try TempDatabase { $0.autoSchemaEnabled = false }
        try await makeClass(t)
        let id = "6E3F5E8B-0A1C-4B6A-9C57-1D2E3F4A5B6C"
        let created = try await t.db.createObject(ObjectInput(className: "Item", id: id, properties: [
            "name": "Red Apple", "count": 3, "price": 1.25, "ok": true, "when": "2023-05-01T10:00:00Z",
            "image": "aGVsbG8=", "where": ["latitude": 52.37, "longitude": 4.89], "tags": ["fruit", "red"],
            "phone": ["input": "+31 20 123 4567"],
        ], vector: [1, 0, 0]))
        XCTAssertEqual(created.id, id.lowercased())
        XCTAssertEqual(created.vector, [1, 0, 0])
        XCTAssertEqual(created.properties["count"], .int(3))
        XCTAssertEqual(created.properties["phone"]?["countryCode"], 31)
        XCTAssertGreaterThan(created.creationTimeUnix, 1_600_000_000_000)
        XCTAssertEqual(created.creationTimeUnix, created.lastUpdateTimeUnix)

        let got = try await XCTUnwrapAsync(try await t.db.getObject(className: "Item", id: id, includeVector: true))
        XCTAssertEqual(got.properties, created.properties)
        XCTAssertEqual(got.vector, [1, 0, 0])
        await XCTAssertNilAsync(try await t.db.getObject(className: "Item", id: id)?.vector)
        await XCTAssertNotNilAsync(try await t.db.getObject(className: nil, id: id))
        await XCTAssertTrueAsync(try await t.db.objectExists(className: "Item", id: id))

        await assertAsyncThrows(.unprocessable, "id '\(id.lowercased())' already exists") {
            _ = try await t.db.createObject(ObjectInput(className: "Item", id: id, properties: [:]))
        }

        try await Task.sleep(nanoseconds: 5_000_000)
        try await t.db.mergeObject(className: "Item", id: id, ObjectInput(properties: ["count": 4, "tags": nil]))
        let merged = try await XCTUnwrapAsync(try await t.db.getObject(className: "Item", id: id, includeVector: true))
        XCTAssertEqual(merged.properties["count"], .int(4))
        XCTAssertNil(merged.properties["tags"])
        XCTAssertEqual(merged.properties["name"], "Red Apple")
        XCTAssertEqual(merged.vector, [1, 0, 0])
        XCTAssertEqual(merged.creationTimeUnix, created.creationTimeUnix)
        XCTAssertGreaterThan(merged.lastUpdateTimeUnix, created.lastUpdateTimeUnix)

        await assertAsyncThrows(.unprocessable, "invalid update: field 'id' is immutable") {
            _ = try await t.db.replaceObject(className: "Item", id: id, ObjectInput(className: "Item", id: "00000000-0000-0000-0000-000000000001"))
        }
        let replaced = try await t.db.replaceObject(className: "Item", id: id, ObjectInput(className: "Item", properties: ["name": "Pear"], vector: [0, 1, 0]))
        XCTAssertEqual(replaced.properties, ["name": "Pear"])
        await XCTAssertEqualAsync(try await t.db.getObject(className: "Item", id: id, includeVector: true)?.vector, [0, 1, 0])

        try await t.db.deleteObject(className: "Item", id: id)
        await XCTAssertFalseAsync(try await t.db.objectExists(className: "Item", id: id))
        await XCTAssertThrowsDatabaseError(try await t.db.deleteObject(className: "Item", id: id), .notFound, "object '\(id.lowercased())' not found")
        await assertAsyncThrows(.notFound, "object '\(id.lowercased())' not found") {
            try await t.db.mergeObject(className: "Item", id: id, ObjectInput(properties: ["count": 1]))
        }
    }

    func testNestedObjectsAreValidatedAndNormalisedAtEveryLevel() async throws {
        let t = try TempDatabase { $0.autoSchemaEnabled = false }
        let point = PropertyDefinition(name: "point", dataType: ["object"], nestedProperties: [
            PropertyDefinition(name: "x", dataType: ["number"]), PropertyDefinition(name: "label", dataType: ["text"])])
        let made = try await t.db.createClass(ClassDefinition(className: "Shape", properties: [
            PropertyDefinition(name: "points", dataType: ["object[]"], nestedProperties: [point,
                PropertyDefinition(name: "n", dataType: ["int"])]),
        ]))
        let points = try XCTUnwrap(made.properties?.first)
        XCTAssertEqual(points.indexFilterable, false, "object properties cannot be filtered")
        XCTAssertEqual(points.nestedProperties?.first?.nestedProperties?.last?.tokenization, "word", "nested defaults applied")
        let o = try await t.db.createObject(ObjectInput(className: "Shape", properties: [
            "points": [["n": 1, "point": ["x": 2, "label": "a"]], ["n": 2]],
        ]))
        XCTAssertEqual(o.properties["points"], [["n": 1, "point": ["x": 2.0, "label": "a"]], ["n": 2]])
        await XCTAssertThrowsDatabaseError(
            try await t.db.createObject(ObjectInput(className: "Shape", properties: ["points": [["point": ["y": 1]]]])),
            .unprocessable, "invalid object: invalid object property 'points.point' on class 'Shape': no such nested property 'y'")
        await XCTAssertThrowsDatabaseError(
            try await t.db.createObject(ObjectInput(className: "Shape", properties: ["points": [["n": "x"]]])),
            .unprocessable, "invalid object: invalid integer property 'points.n' on class 'Shape': requires an integer, the given value is 'x'")
        await XCTAssertThrowsDatabaseError(
            try await t.db.createClass(ClassDefinition(className: "Empty", properties: [
                PropertyDefinition(name: "o", dataType: ["object"])])),
            .unprocessable, "property 'o': At least one nested property is required for data type object/object[]")
    }

    func testValidationMessages() async throws {
        let t = try TempDatabase { $0.autoSchemaEnabled = false }
        try await makeClass(t)
        let cases: [(String, JSONValue, String)] = [
            ("name", 5, "invalid text property 'name' on class 'Item': not a string, but json.Number"),
            ("count", 1.5, "invalid integer property 'count' on class 'Item': requires an integer, the given value is '1.5'"),
            ("count", "x", "invalid integer property 'count' on class 'Item': requires an integer, the given value is 'x'"),
            ("price", "cheap", "invalid number property 'price' on class 'Item': requires a float, the given value is 'cheap'"),
            ("ok", "yes", "invalid boolean property 'ok' on class 'Item': requires a bool, the given value is 'yes'"),
            ("when", "2023-13-01", "invalid date property 'when' on class 'Item': requires a string with a RFC3339 formatted date, but the given value is '2023-13-01'"),
            ("image", "data:image/png;base64,aGVsbG8=", "invalid blob property 'image' on class 'Item': not a valid blob base64 string"),
            ("image", "aGVsbG8", "invalid blob property 'image' on class 'Item': not a valid blob base64 string"),
            ("image", "", "invalid blob property 'image' on class 'Item': not a valid blob base64 string"),
            ("ref", "not-a-uuid", "invalid uuid property 'ref' on class 'Item': invalid UUID length: 10"),
            ("nope", 1, "no such prop with name 'nope' found in class 'Item' in the schema. Check your schema files for which properties in this class are available"),
        ]
        for (prop, value, message) in cases {
            await assertAsyncThrows(.unprocessable, "invalid object: " + message) {
                _ = try await t.db.createObject(ObjectInput(className: "Item", properties: [prop: value]))
            }
            await assertAsyncThrows(.unprocessable, "invalid object: " + message) {
                try await t.db.validateObject(ObjectInput(className: "Item", properties: [prop: value]))
            }
        }
        await assertAsyncThrows(.unprocessable, "id in body must be of type uuid: \"abc\"") {
            _ = try await t.db.createObject(ObjectInput(className: "Item", id: "abc"))
        }
        await assertAsyncThrows(.unprocessable, "invalid object: class 'Missing' not present in schema") {
            _ = try await t.db.createObject(ObjectInput(className: "Missing"))
        }
        _ = try await t.db.createObject(ObjectInput(className: "Item", vector: [1, 2]))
        await assertAsyncThrows(.unprocessable, "new node has a vector with length 3. Existing nodes have vectors with length 2") {
            _ = try await t.db.createObject(ObjectInput(className: "Item", vector: [1, 2, 3]))
        }
        await XCTAssertEqualAsync(try await t.db.count(className: "Item"), 1)
        try await t.db.validateObject(ObjectInput(className: "Item", properties: ["name": "fine", "image": "aGk="]))
    }

    func testAutoSchema() async throws {
        let t = try TempDatabase()
        _ = try await t.db.createObject(ObjectInput(className: "auto", properties: [
            "title": "hello", "born": "2020-01-02T03:04:05Z", "n": 5, "f": true,
            "loc": ["latitude": 1.0, "longitude": 2.0], "words": ["a", "b"], "image": "aGVsbG8=",
        ]))
        let c = try XCTUnwrap(t.db.getClass("Auto"))
        let types = Dictionary(uniqueKeysWithValues: c.properties!.map { ($0.name, $0.dataType) })
        XCTAssertEqual(types, ["title": ["text"], "born": ["date"], "n": ["number"], "f": ["boolean"],
                               "loc": ["geoCoordinates"], "words": ["text[]"], "image": ["text"]])
        // A later object adds a property.
        _ = try await t.db.createObject(ObjectInput(className: "Auto", properties: ["extra": 1.5]))
        XCTAssertNotNil(t.db.getClass("Auto")?.property(named: "extra"))
        // A reference property is inferred from the beacon's class.
        let target = try await t.db.createObject(ObjectInput(className: "Auto", properties: [:]))
        _ = try await t.db.createObject(ObjectInput(className: "Auto", properties: ["link": [["beacon": .string(target.beacon)]]]))
        XCTAssertEqual(t.db.getClass("Auto")?.property(named: "link")?.dataType, ["Auto"])
    }

    func testReferences() async throws {
        let t = try TempDatabase { $0.autoSchemaEnabled = false }
        _ = try await t.db.createClass(ClassDefinition(className: "Author", properties: [PropertyDefinition(name: "name", dataType: ["text"])]))
        _ = try await t.db.createClass(ClassDefinition(className: "Book", properties: [PropertyDefinition(name: "title", dataType: ["text"])]))
        _ = try await t.db.addProperty(toClass: "Book", PropertyDefinition(name: "writtenBy", dataType: ["Author"]))
        let a1 = try await t.db.createObject(ObjectInput(className: "Author", properties: ["name": "Ann"]))
        let a2 = try await t.db.createObject(ObjectInput(className: "Author", properties: ["name": "Bob"]))
        let b = try await t.db.createObject(ObjectInput(className: "Book", properties: ["title": "T"]))
        try await t.db.addReference(className: "Book", id: b.id, property: "writtenBy", ReferenceInput(beacon: a1.beacon))
        try await t.db.addReference(className: "Book", id: b.id, property: "writtenBy", ReferenceInput(beacon: "weaviate://localhost/\(a2.id)"))
        var refs = try await t.db.getObject(className: "Book", id: b.id)?.properties["writtenBy"]?.arrayValue
        XCTAssertEqual(refs?.count, 2)
        XCTAssertEqual(refs?[1]["beacon"], .string("weaviate://localhost/Author/\(a2.id)"))
        XCTAssertEqual(refs?[1]["href"], .string("/v1/objects/Author/\(a2.id)"))
        // Filter through the reference.
        let byAuthor = WhereFilter(operator: .equal, path: ["writtenBy", "Author", "name"], valueText: "bob")
        await XCTAssertEqualAsync(try await t.db.count(className: "Book", filter: byAuthor), 1)
        await XCTAssertEqualAsync(try await t.db.count(className: "Book", filter: WhereFilter(operator: .equal, path: ["writtenBy"], valueInt: 2)), 1)
        await XCTAssertEqualAsync(try await t.db.count(className: "Book", filter: WhereFilter(operator: .lessThan, path: ["writtenBy"], valueInt: 2)), 0)
        try await t.db.deleteReference(className: "Book", id: b.id, property: "writtenBy", ReferenceInput(beacon: a2.beacon))
        await XCTAssertEqualAsync(try await t.db.count(className: "Book", filter: byAuthor), 0)
        try await t.db.replaceReferences(className: "Book", id: b.id, property: "writtenBy", [ReferenceInput(beacon: a2.beacon)])
        refs = try await t.db.getObject(className: "Book", id: b.id)?.properties["writtenBy"]?.arrayValue
        XCTAssertEqual(refs?.count, 1)
        await XCTAssertThrowsDatabaseError(try await t.db.addReference(className: "Book", id: b.id, property: "writtenBy", ReferenceInput(beacon: "nope")),
            .unprocessable, "invalid reference property 'writtenBy' on class 'Book': invalid beacon 'nope': must be of the form weaviate://localhost/<className>/<uuid>")
        // Batch references, in input order, with a per-item failure.
        let results = try await t.db.batchReferences([
            BatchReferenceInput(from: "weaviate://localhost/Book/\(b.id)/writtenBy", to: a1.beacon),
            BatchReferenceInput(from: "weaviate://localhost/Book/\(b.id)/missing", to: a1.beacon),
        ])
        XCTAssertNil(results[0].error)
        XCTAssertNotNil(results[1].error)
        await XCTAssertEqualAsync(try await t.db.getObject(className: "Book", id: b.id)?.properties["writtenBy"]?.arrayValue?.count, 2)
    }

    /// Weaviate reads an object's keys with a lower-case first letter (its schema names), and a PATCH adds
    /// the references it carries to the stored ones.
    func testPropertyKeyCaseAndMergedReferences() async throws {
        let t = try TempDatabase { $0.autoSchemaEnabled = false }
        _ = try await t.db.createClass(ClassDefinition(className: "Tag", properties: []))
        _ = try await t.db.createClass(ClassDefinition(className: "Post", properties: [
            PropertyDefinition(name: "Name", dataType: ["text"]),
            PropertyDefinition(name: "tags", dataType: ["Tag"]),
        ]))
        XCTAssertEqual(t.db.getClass("Post")?.properties?.first?.name, "name")
        let tags = [try await t.db.createObject(ObjectInput(className: "Tag")), try await t.db.createObject(ObjectInput(className: "Tag"))]
        let post = try await t.db.createObject(ObjectInput(className: "Post", properties: [
            "Name": "first", "tags": [["beacon": .string(tags[0].beacon)]],
        ]))
        XCTAssertEqual(post.properties["name"], "first")
        XCTAssertNil(post.properties["Name"])
        // Both spellings at once: the schema spelling wins, whatever the dictionary order.
        try await t.db.mergeObject(className: "Post", id: post.id, ObjectInput(properties: [
            "Name": "loser", "name": "winner", "tags": [["beacon": .string(tags[1].beacon)]],
        ]))
        let merged = try await XCTUnwrapAsync(try await t.db.getObject(className: "Post", id: post.id))
        XCTAssertEqual(merged.properties["name"], "winner")
        XCTAssertEqual(merged.properties["tags"]?.arrayValue?.compactMap { $0["beacon"]?.stringValue },
                       tags.map(\.beacon))
        // PUT replaces the references as it replaces everything else.
        _ = try await t.db.replaceObject(className: "Post", id: post.id, ObjectInput(className: "Post", properties: [
            "tags": [["beacon": .string(tags[1].beacon)]],
        ]))
        let replaced = try await XCTUnwrapAsync(try await t.db.getObject(className: "Post", id: post.id))
        XCTAssertEqual(replaced.properties["tags"]?.arrayValue?.count, 1)
        XCTAssertNil(replaced.properties["name"])
    }

    func testBatchUpsertKeepsOrderAndIsolatesFailures() async throws {
        let t = try TempDatabase { $0.autoSchemaEnabled = false }
        try await makeClass(t)
        let id = "11111111-1111-1111-1111-111111111111"
        let r1 = try await t.db.batchObjects([
            ObjectInput(className: "Item", id: id, properties: ["name": "first"], vector: [1, 0]),
            ObjectInput(className: "Item", properties: ["count": "bad"]),
            ObjectInput(className: "Item", properties: ["name": "third"], vector: [0, 1]),
            ObjectInput(className: "Item", properties: ["name": "wrong length"], vector: [0, 1, 2]),
        ])
        XCTAssertEqual(r1.count, 4)
        XCTAssertNil(r1[0].error)
        XCTAssertEqual(r1[1].error, "invalid object: invalid integer property 'count' on class 'Item': requires an integer, the given value is 'bad'")
        XCTAssertNil(r1[2].error)
        XCTAssertEqual(r1[3].error, "new node has a vector with length 3. Existing nodes have vectors with length 2")
        XCTAssertEqual(r1[2].object.properties["name"], "third")
        await XCTAssertEqualAsync(try await t.db.count(className: "Item"), 2)
        // Upsert: same id overwrites without "already exists".
        let r2 = try await t.db.batchObjects([ObjectInput(className: "Item", id: id, properties: ["name": "again"], vector: [0.5, 0.5])])
        XCTAssertNil(r2[0].error)
        await XCTAssertEqualAsync(try await t.db.getObject(className: "Item", id: id, includeVector: true)?.vector, [0.5, 0.5])
        await XCTAssertEqualAsync(try await t.db.count(className: "Item"), 2)
        await assertAsyncThrows(.unprocessable, "invalid param 'objects': cannot be empty, need at least one object for batching") {
            _ = try await t.db.batchObjects([])
        }
    }

    func testListingPagingSortingAndCursor() async throws {
        let t = try TempDatabase { $0.queryMaximumResults = 50 }
        var inputs: [ObjectInput] = []
        for i in 0..<30 {
            inputs.append(ObjectInput(className: "L", id: String(format: "00000000-0000-0000-0000-%012d", 29 - i), properties: ["n": .int(Int64(i))]))
        }
        _ = try await t.db.batchObjects(inputs)
        let page = try await t.db.listObjects(ListObjectsQuery(className: "L", limit: 5, offset: 10))
        // Without sort: uuid order (ids were assigned in reverse of n).
        XCTAssertEqual(page.map { $0.properties["n"]!.doubleValue! }, [19, 18, 17, 16, 15])
        let sorted = try await t.db.listObjects(ListObjectsQuery(className: "L", limit: 3, sort: ["n"], order: ["desc"]))
        XCTAssertEqual(sorted.map { $0.properties["n"]!.doubleValue! }, [29, 28, 27])
        // Cursor: uuid order, pages chain without gaps or repeats.
        var seen: [String] = []
        var after = ""
        while true {
            let p = try await t.db.listObjects(ListObjectsQuery(className: "L", limit: 7, after: after))
            if p.isEmpty { break }
            seen += p.map(\.id)
            after = p.last!.id
        }
        XCTAssertEqual(seen, seen.sorted())
        XCTAssertEqual(seen.count, 30)
        await XCTAssertThrowsDatabaseError(try await t.db.listObjects(ListObjectsQuery(className: "L", limit: 40, offset: 20)),
                                     .unprocessable, "query maximum results exceeded")
        await XCTAssertThrowsDatabaseError(try await t.db.listObjects(ListObjectsQuery(limit: 40, offset: 20)), .internal, "query maximum results exceeded")
        await XCTAssertEqualAsync(try await t.db.listObjects(ListObjectsQuery(limit: 4, offset: 28)).count, 2)
        // Int64 extremes: their sum once overflowed and stopped the process.
        for (limit, offset) in [(Int.max, 5), (5, Int.max), (Int.max, Int.max)] {
            await XCTAssertThrowsDatabaseError(try await t.db.listObjects(ListObjectsQuery(className: "L", limit: limit, offset: offset)),
                                               .unprocessable, "query maximum results exceeded")
        }
        await XCTAssertThrowsDatabaseError(try await t.db.listObjects(ListObjectsQuery(className: "L", sort: ["n"], order: ["up"])),
                                     .unprocessable, "invalid order parameter, possible values are: [\"asc\", \"desc\"] not: \"up\"")
    }

    func testQueryDefaultsLimitIsWeaviatesUnsetValue() async throws {
        // QUERY_DEFAULTS_LIMIT is 0 when unset, as in Weaviate: a listing without `limit` is an empty page.
        let t = try TempDatabase()
        XCTAssertEqual(t.db.config.queryDefaultsLimit, 0)
        _ = try await t.db.batchObjects((0..<3).map { _ in ObjectInput(className: "Q") })
        await XCTAssertEqualAsync(try await t.db.listObjects(ListObjectsQuery(className: "Q")).count, 0)
        await XCTAssertEqualAsync(try await t.db.listObjects(ListObjectsQuery(className: "Q", limit: 10)).count, 3)
        let configured = try TempDatabase { $0.queryDefaultsLimit = 2 }
        _ = try await configured.db.batchObjects((0..<3).map { _ in ObjectInput(className: "Q") })
        await XCTAssertEqualAsync(try await configured.db.listObjects(ListObjectsQuery(className: "Q")).count, 2)
    }

    func testTokenIndexIsBackfilledOnOpen() async throws {
        let t = try TempDatabase()
        _ = try await t.db.batchObjects([ObjectInput(className: "T", properties: ["title": "Hello brave World"]),
                                         ObjectInput(className: "T", properties: ["title": "goodbye world"])])
        let f = WhereFilter(operator: .equal, path: ["title"], valueText: "WORLD hello")
        await XCTAssertEqualAsync(try await t.db.count(className: "T", filter: f), 1)
        // Simulate a store written before the token table existed.
        let classID = try XCTUnwrap(t.db.state("T")?.id)
        try await t.db.store.pool.write { try $0.execute(sql: "DROP TABLE tok_\(classID)") }
        try t.reopen()
        await XCTAssertEqualAsync(try await t.db.count(className: "T", filter: f), 1)
        await XCTAssertEqualAsync(try await t.db.count(className: "T", filter: WhereFilter(operator: .like, path: ["title"], valueText: "wor*")), 2)
    }
}
