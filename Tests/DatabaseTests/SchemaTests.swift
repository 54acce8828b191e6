import XCTest
@testable import Database

final class SchemaTests: XCTestCase {
    func testCreateClassEchoesWeaviateDefaults() async throws {
        let t = try TempDatabase()
        let created = try await t.db.createClass(ClassDefinition(className: "article", properties: [
            PropertyDefinition(name: "Title", dataType: ["string"]),
            PropertyDefinition(name: "body", dataType: ["text"]),
            PropertyDefinition(name: "count", dataType: ["int"]),
        ]))
        XCTAssertEqual(created.className, "Article")
        XCTAssertEqual(created.vectorizer, "none")
        XCTAssertEqual(created.vectorIndexType, "hnsw")
        let vic = try XCTUnwrap(created.vectorIndexConfig)
        XCTAssertEqual(vic, try json("""
            {"skip":false,"cleanupIntervalSeconds":300,"maxConnections":64,"efConstruction":128,"ef":-1,
             "dynamicEfMin":100,"dynamicEfMax":500,"dynamicEfFactor":8,"vectorCacheMaxObjects":1000000000000,
             "flatSearchCutoff":40000,"distance":"cosine",
             "pq":{"enabled":false,"bitCompression":false,"segments":0,"centroids":256,
                   "encoder":{"type":"kmeans","distribution":"log-normal"}}}
            """))
        XCTAssertEqual(created.invertedIndexConfig, try json(#"{"cleanupIntervalSeconds":60,"bm25":{"k1":1.2,"b":0.75},"stopwords":{"preset":"en"}}"#))
        XCTAssertEqual(created.shardingConfig, try json("""
            {"virtualPerPhysical":128,"desiredCount":1,"actualCount":1,"desiredVirtualCount":128,"actualVirtualCount":128,
             "key":"_id","strategy":"hash","function":"murmur3"}
            """))
        XCTAssertEqual(created.replicationConfig, try json(#"{"factor":1}"#))
        let p = created.properties!
        XCTAssertEqual(p[0], PropertyDefinition(name: "title", dataType: ["text"], tokenization: "whitespace",
                                                indexFilterable: true, indexSearchable: true))
        XCTAssertEqual(p[1], PropertyDefinition(name: "body", dataType: ["text"], tokenization: "word",
                                                indexFilterable: true, indexSearchable: true))
        XCTAssertEqual(p[2], PropertyDefinition(name: "count", dataType: ["int"], indexFilterable: true, indexSearchable: false))
        XCTAssertEqual(t.db.getClass("Article"), created)
        XCTAssertEqual(t.db.schema().map(\.className), ["Article"])
    }

    func testDefaultDistanceAndUserKeysPreserved() async throws {
        let t = try TempDatabase { $0.defaultDistance = .dot }
        let c = try await t.db.createClass(ClassDefinition(className: "A", vectorIndexConfig: ["ef": 77, "pq": ["enabled": true]]))
        XCTAssertEqual(c.vectorIndexConfig?["distance"], "dot")
        XCTAssertEqual(c.vectorIndexConfig?["ef"], 77)
        XCTAssertEqual(c.vectorIndexConfig?["pq"]?["enabled"], true)
        XCTAssertEqual(c.vectorIndexConfig?["pq"]?["centroids"], 256)
        XCTAssertEqual(c.distanceMetric, .dot)
    }

    func testCreateClassErrors() async throws {
        let t = try TempDatabase()
        _ = try await t.db.createClass(ClassDefinition(className: "Thing"))
        await XCTAssertThrowsDatabaseError(try await t.db.createClass(ClassDefinition(className: "Thing")), .unprocessable,
                                     "class name \"Thing\" already exists")
        await XCTAssertThrowsDatabaseError(try await t.db.createClass(ClassDefinition(className: "Bad-Name")), .unprocessable,
                                     "'Bad-Name' is not a valid class name")
        await XCTAssertThrowsDatabaseError(try await t.db.createClass(ClassDefinition(className: "P", properties: [
            PropertyDefinition(name: "id", dataType: ["text"])])), .unprocessable, "'id' is a reserved property name")
        await XCTAssertThrowsDatabaseError(try await t.db.createClass(ClassDefinition(className: "P", properties: [
            PropertyDefinition(name: "_additional", dataType: ["text"])])), .unprocessable, "'_additional' is a reserved property name")
        await XCTAssertThrowsDatabaseError(try await t.db.createClass(ClassDefinition(className: "P", properties: [
            PropertyDefinition(name: "a-b", dataType: ["text"])])), .unprocessable,
            "'a-b' is not a valid property name. Property names in Weaviate are restricted to valid GraphQL names, which must be “/[_A-Za-z][_0-9A-Za-z]*/”.")
        await XCTAssertThrowsDatabaseError(try await t.db.createClass(ClassDefinition(className: "P", vectorizer: "text2vec-nope")),
                                     .unprocessable, "vectorizer: no module with name \"text2vec-nope\" present")
        await XCTAssertThrowsDatabaseError(try await t.db.createClass(ClassDefinition(className: "P", vectorIndexConfig: ["maxConnections": 2])),
                                     .unprocessable, "invalid hnsw config: maxConnections must be a positive integer with a minimum of 4")
        await XCTAssertThrowsDatabaseError(try await t.db.createClass(ClassDefinition(className: "P", vectorIndexConfig: ["efConstruction": 3])),
                                     .unprocessable, "invalid hnsw config: efConstruction must be a positive integer with a minimum of 4")
        // Iris's own HNSW limit, refused by the index inside the class's transaction: nothing is left behind.
        await XCTAssertThrowsDatabaseError(try await t.db.createClass(ClassDefinition(className: "P", vectorIndexConfig: ["maxConnections": 5000])),
                                     .unprocessable, "invalid hnsw config: maxConnections must be at most 2047")
        await XCTAssertThrowsDatabaseError(try await t.db.createClass(ClassDefinition(className: "P", properties: [
            PropertyDefinition(name: "r", dataType: ["Missing"])])), .unprocessable,
            "Data type of property 'r' is invalid; SingleRef class name 'Missing' does not exist")
        XCTAssertNil(t.db.getClass("P"))
        try t.reopen()
        XCTAssertNil(t.db.getClass("P"))
        let created = try await t.db.createClass(ClassDefinition(className: "P", vectorIndexConfig: ["maxConnections": 2047])).className
        XCTAssertEqual(created, "P")
        XCTAssertEqual(t.db.schema().filter { $0.className == "P" }.count, 1)
    }

    func testUpdateClassMutableAndImmutable() async throws {
        let t = try TempDatabase()
        var c = try await t.db.createClass(ClassDefinition(className: "U", properties: [PropertyDefinition(name: "a", dataType: ["text"])]))
        var changed = c
        changed.vectorIndexConfig = JSONMerge.deep(c.vectorIndexConfig!, ["ef": 200, "flatSearchCutoff": 10])
        c = try await t.db.updateClass("U", changed)
        XCTAssertEqual(c.vectorIndexConfig?["ef"], 200)
        XCTAssertEqual(t.db.getClass("U")?.vectorIndexConfig?["flatSearchCutoff"], 10)

        var bad = c
        bad.vectorIndexConfig = JSONMerge.deep(c.vectorIndexConfig!, ["efConstruction": 64])
        await XCTAssertThrowsDatabaseError(try await t.db.updateClass("U", bad), .unprocessable,
                                     "efConstruction is immutable: attempted change from \"128\" to \"64\"")
        bad = c
        bad.properties = [PropertyDefinition(name: "b", dataType: ["int"])]
        await XCTAssertThrowsDatabaseError(try await t.db.updateClass("U", bad), .unprocessable,
            "properties cannot be updated through updating the class. Use the add property feature (e.g. \"POST /v1/schema/{className}/properties\") to add additional properties")
        bad = c
        bad.vectorizer = "other"
        await XCTAssertThrowsDatabaseError(try await t.db.updateClass("U", bad), .unprocessable,
                                     "vectorizer is immutable: attempted change from \"none\" to \"other\"")
        await XCTAssertThrowsDatabaseError(try await t.db.updateClass("Nope", c), .notFound, "class 'Nope' not found")
    }

    func testDeleteClassAndAddProperty() async throws {
        let t = try TempDatabase()
        _ = try await t.db.createClass(ClassDefinition(className: "D"))
        let p = try await t.db.addProperty(toClass: "D", PropertyDefinition(name: "Score", dataType: ["number"]))
        XCTAssertEqual(p, PropertyDefinition(name: "score", dataType: ["number"], indexFilterable: true, indexSearchable: false))
        await XCTAssertThrowsDatabaseError(try await t.db.addProperty(toClass: "D", PropertyDefinition(name: "score", dataType: ["int"])),
                                     .unprocessable, "class \"D\": conflict for property \"score\": already in use or provided multiple times")
        _ = try await t.db.createObject(ObjectInput(className: "D", properties: ["score": 1.5]))
        await XCTAssertEqualAsync(try await t.db.count(className: "D", filter: WhereFilter(operator: .greaterThan, path: ["score"], valueNumber: 1)), 1)
        try await t.db.deleteClass("D")
        XCTAssertNil(t.db.getClass("D"))
        await XCTAssertThrowsDatabaseError(try await t.db.deleteClass("D"), .badRequest, "could not find class 'D'")
        _ = try await t.db.createClass(ClassDefinition(className: "D"))
        await XCTAssertEqualAsync(try await t.db.count(className: "D"), 0)
    }

    /// Property names are capped as Weaviate caps them (231 characters) at class creation, property add
    /// and auto-schema; class names at 255.
    func testNameLengthCaps() async throws {
        let t = try TempDatabase()
        let longest = String(repeating: "p", count: 231), tooLong = String(repeating: "p", count: 232)
        let message = "'\(tooLong)' is not a valid property name. Name should not be longer than 231 characters"
        _ = try await t.db.createClass(ClassDefinition(className: "N", properties: [PropertyDefinition(name: longest, dataType: ["text"])]))
        await XCTAssertThrowsDatabaseError(try await t.db.createClass(ClassDefinition(className: "M", properties: [
            PropertyDefinition(name: tooLong, dataType: ["text"])])), .unprocessable, message)
        XCTAssertNil(t.db.getClass("M"))
        await XCTAssertThrowsDatabaseError(try await t.db.addProperty(toClass: "N", PropertyDefinition(name: tooLong, dataType: ["int"])),
                                     .unprocessable, message)
        // Auto-schema: the same cap, in its "invalid object" error.
        await XCTAssertThrowsDatabaseError(try await t.db.createObject(ObjectInput(className: "N", properties: [tooLong: 1])),
                                     .unprocessable, "invalid object: " + message)
        XCTAssertEqual(t.db.getClass("N")?.properties?.map(\.name), [longest])
        _ = try await t.db.createClass(ClassDefinition(className: "C" + String(repeating: "c", count: 254)))
        await XCTAssertThrowsDatabaseError(try await t.db.createClass(ClassDefinition(className: "C" + String(repeating: "c", count: 255))),
                                     .unprocessable, "'C\(String(repeating: "c", count: 255))' is not a valid class name")
    }

    func testSchemaPersistsAcrossReopen() async throws {
        let t = try TempDatabase()
        let c = try await t.db.createClass(ClassDefinition(className: "Keep", properties: [PropertyDefinition(name: "x", dataType: ["int[]"])]))
        try t.reopen()
        XCTAssertEqual(t.db.getClass("Keep"), c)
        XCTAssertEqual(try t.db.shards(ofClass: "Keep"), [ShardStatus(name: "node1", status: "READY")])
    }
}
