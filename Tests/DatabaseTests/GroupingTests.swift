import XCTest
@testable import Database

/// Get `groupBy` and `group` (merge / closest): the grouping functions on hand-made hits, and whole
/// queries against groups computed here from the stored data by brute force.
final class GroupingTests: XCTestCase {
    private func hit(_ id: String, _ props: [String: JSONValue], _ d: Float?, vector: [Float]? = nil) -> GetHit {
        GetHit(object: WeaviateObject(className: "C", id: id, properties: props, vector: vector), distance: d)
    }

    // MARK: groupBy on hand-made hits

    func testGroupsInFirstSeenOrderWithLimits() {
        let hits = [
            hit("1", ["c": .string("a")], 0.1), hit("2", ["c": .string("b")], 0.2), hit("3", ["c": .string("a")], 0.3),
            hit("4", ["c": .string("c")], 0.4), hit("5", ["c": .string("a")], 0.5), hit("6", ["c": .string("b")], 0.6),
        ]
        let groups = HitGrouping.groupBy(hits, property: "c", groups: 2, objectsPerGroup: 2)
        XCTAssertEqual(groups.map(\.object.id), ["1", "2"])  // each result is its group's first member
        XCTAssertEqual(groups.map { $0.group!.value }, ["a", "b"])
        XCTAssertEqual(groups.map { $0.group!.id }, [0, 1])
        XCTAssertEqual(groups[0].group!.hits.map(\.object.id), ["1", "3"])  // "5" is beyond objectsPerGroup
        XCTAssertEqual(groups[1].group!.hits.map(\.object.id), ["2", "6"])  // "4" would open a third group
        XCTAssertEqual(groups[0].group!.minDistance, 0.1)
        XCTAssertEqual(groups[0].group!.maxDistance, 0.3)
        XCTAssertEqual(groups[1].group!.count, 2)
        XCTAssertEqual(groups[0].group!.path, ["c"])
        XCTAssertEqual(groups[0].distance, 0.1)
    }

    func testArraysMissingValuesReferencesAndNumbers() {
        let ref = { (id: String) -> JSONValue in .object(["beacon": .string("weaviate://localhost/P/\(id)")]) }
        let hits = [
            hit("1", ["t": .array([.string("x"), .string("y"), .string("x")])], 0.1),
            hit("2", [:], 0.2),
            hit("3", ["t": .array([])], 0.3),
            hit("4", ["t": .array([.string("y")])], 0.4),
        ]
        let groups = HitGrouping.groupBy(hits, property: "t", groups: 10, objectsPerGroup: 10)
        XCTAssertEqual(groups.map { $0.group!.value }, ["x", "y", ""])
        XCTAssertEqual(groups[0].group!.hits.map(\.object.id), ["1"])  // "x" twice in one array counts once
        XCTAssertEqual(groups[1].group!.hits.map(\.object.id), ["1", "4"])
        XCTAssertEqual(groups[2].group!.hits.map(\.object.id), ["2", "3"])

        let refs = HitGrouping.groupBy([hit("a", ["r": .array([ref("p1"), ref("p2")])], 0),
                                        hit("b", ["r": .array([ref("p2")])], 0.5)],
                                       property: "r", groups: 5, objectsPerGroup: 5)
        XCTAssertEqual(refs.map { $0.group!.value }, ["weaviate://localhost/P/p1", "weaviate://localhost/P/p2"])
        XCTAssertEqual(refs[1].group!.hits.map(\.object.id), ["a", "b"])

        XCTAssertEqual(HitGrouping.groupValue(.int(51)), "51")
        XCTAssertEqual(HitGrouping.groupValue(.double(2)), "2")
        XCTAssertEqual(HitGrouping.groupValue(.double(1.5)), "1.5")
        XCTAssertEqual(HitGrouping.groupValue(.bool(true)), "true")
    }

    func testAnObjectThatWouldOpenATooManyGroupIsLeftOutOfLaterGroups() {
        // 1.19: the value "z" cannot open a third group, so the object's later value "a" is not added either.
        let hits = [hit("1", ["t": .array([.string("a")])], 0), hit("2", ["t": .array([.string("b")])], 0.1),
                    hit("3", ["t": .array([.string("z"), .string("a")])], 0.2),
                    hit("4", ["t": .array([.string("a"), .string("z")])], 0.3)]
        let groups = HitGrouping.groupBy(hits, property: "t", groups: 2, objectsPerGroup: 5)
        XCTAssertEqual(groups[0].group!.hits.map(\.object.id), ["1", "4"])
        XCTAssertTrue(HitGrouping.groupBy(hits, property: "t", groups: 0, objectsPerGroup: 5).isEmpty)
        XCTAssertTrue(HitGrouping.groupBy(hits, property: "t", groups: 5, objectsPerGroup: 0).isEmpty)
    }

    // MARK: groupBy through getQuery, against brute force

    /// Reference grouping written from the rules (not from HitGrouping): sort every object by exact
    /// distance, then bucket.
    private func expectedGroups(_ objects: [(id: String, category: String?, vector: [Float])], query: [Float],
                                groups: Int, perGroup: Int, k: Int) -> [(String, [String])] {
        let ranked = objects.map { ($0, VectorTests.distance($0.vector, query, .cosine)) }
            .sorted { $0.1 < $1.1 }.prefix(k).map(\.0)
        var out: [(String, [String])] = []
        for o in ranked {
            let value = o.category ?? ""
            if let i = out.firstIndex(where: { $0.0 == value }) {
                if out[i].1.count < perGroup { out[i].1.append(o.id) }
            } else if out.count < groups && perGroup > 0 {
                out.append((value, [o.id]))
            }
        }
        return out
    }

    func testNearVectorGroupByMatchesBruteForce() async throws {
        let t = try TempDatabase()
        _ = try await t.db.createClass(ClassDefinition(className: "G", properties: [
            PropertyDefinition(name: "category", dataType: ["text"]), PropertyDefinition(name: "n", dataType: ["int"]),
        ]))
        let categories = ["red", "green", "blue", "cyan", nil]
        let inputs = (0..<120).map { i in
            ObjectInput(className: "G", properties: categories[i % 5].map { ["category": .string($0), "n": .int(Int64(i))] }
                        ?? ["n": .int(Int64(i))], vector: VectorTests.randomVector(6))
        }
        let results = try await t.db.batchObjects(inputs)
        let stored = results.map { (id: $0.object.id, category: $0.object.properties["category"]?.stringValue,
                                    vector: $0.object.vector!) }
        for (groups, perGroup, limit) in [(2, 3, 40), (5, 4, 120), (3, 10, 15), (10, 1, 60)] {
            let query = VectorTests.randomVector(6)
            var r = GetRequest(className: "G", limit: limit, near: NearParameters(nearVector: NearVectorParameter(vector: query)))
            r.groupBy = GroupByParameter(path: ["category"], groups: groups, objectsPerGroup: perGroup)
            let got = try await t.db.getQuery(r)
            let expected = expectedGroups(stored, query: query, groups: groups, perGroup: perGroup, k: limit)
            XCTAssertEqual(got.map { $0.group!.value }, expected.map(\.0), "\(groups)/\(perGroup)/\(limit)")
            XCTAssertEqual(got.map { $0.group!.hits.map(\.object.id) }, expected.map(\.1))
            for g in got.compactMap(\.group) {
                let ds = g.hits.compactMap(\.distance)
                XCTAssertEqual(ds, ds.sorted())
                XCTAssertEqual(g.minDistance, ds.first)
                XCTAssertEqual(g.maxDistance, ds.last)
            }
        }
        // offset counts groups: the second group onwards.
        let query = VectorTests.randomVector(6)
        var r = GetRequest(className: "G", limit: 30, offset: 1, near: NearParameters(nearVector: NearVectorParameter(vector: query)))
        r.groupBy = GroupByParameter(path: ["category"], groups: 4, objectsPerGroup: 2)
        let paged = try await t.db.getQuery(r)
        let all = expectedGroups(stored, query: query, groups: 4, perGroup: 2, k: 31)
        XCTAssertEqual(paged.map { $0.group!.value }, all.dropFirst().map(\.0))
        XCTAssertEqual(paged.map { $0.group!.id }, Array(1..<all.count))
    }

    func testGroupByErrors() async throws {
        let t = try TempDatabase()
        _ = try await t.db.createClass(ClassDefinition(className: "E", properties: [PropertyDefinition(name: "c", dataType: ["text"])]))
        _ = try await t.db.batchObjects([ObjectInput(className: "E", properties: ["c": .string("x")], vector: [1, 0])])
        var plain = GetRequest(className: "E")
        plain.groupBy = GroupByParameter(path: ["c"], groups: 1, objectsPerGroup: 1)
        await XCTAssertThrowsDatabaseError(try await t.db.getQuery(plain), .unprocessable,
            "groupBy needs a search to group: use it with nearVector, nearObject, nearText, nearImage, bm25 or hybrid")
        var unknown = GetRequest(className: "E", near: NearParameters(nearVector: NearVectorParameter(vector: [1, 0])))
        unknown.groupBy = GroupByParameter(path: ["nope"], groups: 1, objectsPerGroup: 1)
        let host = t.db.config.hostname
        await XCTAssertThrowsDatabaseError(try await t.db.getQuery(unknown), .unprocessable,
            "explorer: get class: vector search: object vector search at index e: shard e_\(host): no such prop with name 'nope' "
            + "found in class 'E' in the schema. Check your schema files for which properties in this class are available: "
            + "unrecognized property: nope")
        unknown.groupBy?.path = ["c", "d"]
        await assertAsyncThrows(.unprocessable,
            "explorer: get class: vector search: object vector search at index e: shard e_\(host): no such prop with name '' "
            + "found in class 'E' in the schema. Check your schema files for which properties in this class are available: "
            + "unrecognized property: ") { _ = try await t.db.getQuery(unknown) }
    }

    // MARK: group: closest / merge

    func testGroupClosestAndMerge() throws {
        let cls = ClassDefinition(className: "C", properties: [
            PropertyDefinition(name: "name", dataType: ["text"]), PropertyDefinition(name: "size", dataType: ["int"]),
            PropertyDefinition(name: "w", dataType: ["number"]), PropertyDefinition(name: "ok", dataType: ["boolean"]),
            PropertyDefinition(name: "tags", dataType: ["text[]"]),
        ])
        let hits = [
            hit("1", ["name": .string("a"), "size": .int(1), "w": .double(1), "ok": .bool(true), "tags": .array([.string("t")])],
                0.1, vector: [1, 0]),
            hit("2", ["name": .string("b"), "size": .int(2), "w": .double(2), "ok": .bool(false)], 0.2, vector: [0.99, 0.05]),
            hit("3", ["name": .string("a"), "size": .int(4)], 0.3, vector: [0, 1]),
            hit("4", ["name": .string("c")], 0.4, vector: [0.98, 0.1]),
        ]
        // Normalised distances: 1–2 and 1–4 about 0.001–0.003, anything–3 about 0.5.
        let closest = try HitGrouping.fold(hits, GroupParameter(type: .closest, force: 0.05), cls: cls)
        XCTAssertEqual(closest.map(\.object.id), ["1", "3"])
        let merged = try HitGrouping.fold(hits, GroupParameter(type: .merge, force: 0.05), cls: cls)
        XCTAssertEqual(merged.count, 2)
        let m = merged[0].object
        XCTAssertEqual(m.properties["name"], .string("a (b, c)"))
        XCTAssertEqual(m.properties["size"], .int(1))  // (1 + 2) / 2, truncated for an int property
        XCTAssertEqual(m.properties["w"], .double(1.5))
        XCTAssertEqual(m.properties["ok"], .bool(true))  // one each: a tie is true
        XCTAssertNil(m.properties["tags"])  // arrays other than references are left out
        XCTAssertEqual(m.id, "")
        XCTAssertEqual(merged[0].distance, 0)
        let v = m.vector!
        XCTAssertEqual(v[0], (1 + 0.99 + 0.98) / 3, accuracy: 1e-6)
        XCTAssertEqual(v[1], (0 + 0.05 + 0.1) / 3, accuracy: 1e-6)
        XCTAssertEqual(merged[1].object.properties["name"], .string("a"))
        // force 0: nothing is closer than 0, every hit is its own group.
        XCTAssertEqual(try HitGrouping.fold(hits, GroupParameter(type: .closest, force: 0), cls: cls).count, 4)
        XCTAssertThrowsDatabaseError(try HitGrouping.fold(hits, GroupParameter(type: nil, force: 1), cls: cls),
                                     .unprocessable, "grouper: unrecognized grouping strategy ''")
    }

    func testNormalisedDistance() {
        XCTAssertEqual(HitGrouping.normalizedDistance([1, 0], [1, 0])!, 0, accuracy: 1e-7)
        XCTAssertEqual(HitGrouping.normalizedDistance([1, 0], [-1, 0])!, 1, accuracy: 1e-7)
        XCTAssertEqual(HitGrouping.normalizedDistance([1, 0], [0, 1])!, 0.5, accuracy: 1e-7)
        XCTAssertNil(HitGrouping.normalizedDistance([1, 0], [1, 0, 0]))
        XCTAssertTrue(HitGrouping.normalizedDistance([], [])!.isNaN)  // never below a force
    }

    func testConsistencyLevels() {
        XCTAssertEqual(try ConsistencyLevel.parse("QUORUM"), .quorum)
        XCTAssertNil(try ConsistencyLevel.parse(nil))
        XCTAssertThrowsDatabaseError(try ConsistencyLevel.parse("one"), .badRequest,
            "unrecognized consistency level \"one\", try one of the following: ['ONE', 'QUORUM', 'ALL']")
    }
}
