import XCTest
@testable import Database
@testable import GraphQLAPI

/// nearText / nearImage through the module seam, the concept join rule and the movement math
/// (reference 2.4, 2.5), with a fake text vectorizer that exists only in these tests.
final class ModuleSeamTests: XCTestCase {
    func testConceptJoinRule() {
        XCTAssertEqual(joinConcepts(["a", "b"]), "a. b")
        XCTAssertEqual(joinConcepts(["a.", "b", "c?", "d"]), "a. b. c? d")
        XCTAssertEqual(joinConcepts(["", "x"]), " x")
        XCTAssertEqual(joinConcepts(["one"]), "one")
    }

    func testMovementMath() throws {
        XCTAssertEqual(try moveTowards([1, 0], target: [0, 1], force: 0.5), [0.75, 0.25])
        XCTAssertEqual(try moveAwayFrom([1, 0], target: [0, 1], force: 0.5), [1.25, -0.25])
        XCTAssertEqual(try moveTowards([1, 2], target: [5, 5], force: 0), [1, 2])
        XCTAssertThrowsError(try moveTowards([1], target: [1], force: 1.5)) {
            XCTAssertEqual(($0 as? DatabaseError)?.message, "movement: force must be between 0 and 1: got 1.500000")
        }
        XCTAssertThrowsError(try moveAwayFrom([1], target: [1], force: -0.2)) {
            XCTAssertEqual(($0 as? DatabaseError)?.message, "movement (moveAwayFrom): force must be 0 or positive: got -0.200000")
        }
        // Forces past Int64 once trapped while the message was formatted; Go's %f prints every digit.
        let big = "100000000000000001097906362944045541740492309677311846336810682903157585404911491537163328978494688899061249669721172515611590283743140088328307009198146046031271664502933027185697489699588559043338384466165001178426897626212945177628091195786707458122783970171784415105291802893207873272974885715430223118336.000000"
        for (force, text) in [(1e308, big), (.infinity, "+Inf"), (1e19, "10000000000000000000.000000")] {
            XCTAssertThrowsError(try moveTowards([1], target: [1], force: force)) {
                XCTAssertEqual(($0 as? DatabaseError)?.message, "movement: force must be between 0 and 1: got \(text)")
            }
        }
        XCTAssertThrowsError(try moveAwayFrom([1], target: [1], force: -.infinity)) {
            XCTAssertEqual(($0 as? DatabaseError)?.message, "movement (moveAwayFrom): force must be 0 or positive: got -Inf")
        }
        XCTAssertThrowsError(try moveTowards([1, 2], target: [1], force: 0.5)) {
            XCTAssertEqual(($0 as? DatabaseError)?.message, "movement: vector lengths don't match: got 2 and 1")
        }
        XCTAssertEqual(try meanVector([[1, 2], [3, 4]]), [2, 3])
    }

    func testNearTextVectorWithMovementsAndObjects() async throws {
        let module = FakeTextModule()
        module.table = ["fashion": [1, 0], "haute couture": [0, 1], "finance": [1, 1]]
        let f = try Fixture(modules: [module])
        try await f.createClass("Publication", vectorizer: module.name, properties: [("name", "text")])
        try await f.insert("Publication", [(["name": "p0"], [0, 2])])
        let p = NearTextParameter(concepts: ["fashion"],
                                  moveTo: Movement(force: 0.5, concepts: ["haute couture"], objects: [ObjectReference(id: uuid(0))]),
                                  moveAwayFrom: Movement(force: 0.4, concepts: ["finance"]))
        let v = try await f.db.nearTextVector(p, className: "Publication") { try await module.vectorize(text: $0, class: f.db.getClass("Publication")!) }
        // target(moveTo) = mean([0,1], [0,2]) = [0, 1.5]; v = [1,0]·0.75 + [0,1.5]·0.25 = [0.75, 0.375]
        // moveAwayFrom [1,1] with f=0.4: v + 0.2·(v − t) = [0.7, 0.25]
        XCTAssertEqual(v[0], 0.7, accuracy: 1e-6)
        XCTAssertEqual(v[1], 0.25, accuracy: 1e-6)

        do {
            _ = try await f.db.nearTextVector(NearTextParameter(concepts: ["x"], moveTo: Movement(force: 0.3)),
                                              className: "Publication") { _ in [0, 0] }
            XCTFail("expected an error")
        } catch let e as DatabaseError {
            XCTAssertEqual(e.message, "'nearText.moveTo' parameter needs to have defined either 'concepts' or 'objects' fields")
        }
    }

    /// The seed document's nearText / nearImage examples parse, validate and run on a module class.
    func testSeedDocumentExamplesRunThroughTheModuleSeam() async throws {
        let module = FakeTextModule()
        module.table = ["fashion": [1, 0]]
        let f = try Fixture(modules: [module])
        try await f.createClass("Publication", vectorizer: module.name, properties: [("name", "text")])
        try await f.createClass("FashionItem", vectorizer: module.name, properties: [("image", "blob")])
        try await f.createClass("Article", vectorizer: module.name)
        try await f.insert("Publication", [(["name": "a"], [1, 0.1]), (["name": "b"], [0, 1])])
        try await f.db.batchObjects([
            // Movement objects are looked up in the query's class; only the beacon's uuid is used (reference 2.5).
            ObjectInput(className: "Publication", id: "e5dc4a4c-ef0f-3aed-89a3-a73435c6bbcf", properties: ["name": "d"], vector: [1, 0]),
            ObjectInput(className: "Publication", id: "9f0c7463-8633-30ff-99e9-fd84349018f5", properties: ["name": "c"], vector: [1, 1]),
            ObjectInput(className: "FashionItem", id: uuid(5), properties: ["image": "iVBORw0KGgo="], vector: [12, 1]),
        ])
        let examples = [
            """
            {
            Get{
            Publication(
            nearText: {
            concepts: ["fashion"],
            distance: 0.6 # prior to v1.14 use "certainty" instead of "distance"
            moveAwayFrom: {
            concepts: ["finance"],
            force: 0.45
            },
            moveTo: {
            concepts: ["haute couture"],
            force: 0.85
            }
            }
            ){
            name
            _additional {
            certainty # only supported if distance==cosine.
            distance # always supported
            }
            }
            }
            }
            """,
            """
            {
            Get {
            FashionItem(nearImage: {
            image: "/9j/4AAQSkZJRgABAgE..."
            }) {
            image
            }
            }
            }
            """,
            """
            {
            Get{
            Publication(
            nearText: {
            concepts: ["fashion"],
            distance: 0.6,
            moveTo: {
            objects: [{
            beacon: "weaviate://localhost/Article/e5dc4a4c-ef0f-3aed-89a3-a73435c6bbcf"
            }, {
            id: "9f0c7463-8633-30ff-99e9-fd84349018f5"
            }],
            concepts: ["summer"],
            force: 0.9
            }
            }
            ){
            name
            _additional {
            distance
            id
            }
            }
            }
            }
            """,
        ]
        for example in examples {
            let (status, body) = try await f.query(example)
            XCTAssertEqual(status, 200)
            XCTAssertNil(body["errors"], body.jsonString())
            XCTAssertNotNil(body["data"]?["Get"])
        }
        XCTAssertTrue(module.texts.contains("fashion"))
        XCTAssertTrue(module.texts.contains("haute couture"))
        // Explore gets the module's arguments too.
        let (_, explore) = try await f.query("{Explore(nearText: {concepts: [\"fashion\"]} limit: 2){className distance}}")
        XCTAssertNil(explore["errors"], explore.jsonString())
        XCTAssertEqual(explore["data"]?["Explore"]?.arrayValue?.count, 2)
        // Two module arguments conflict with Weaviate's message.
        let message = try await f.errorMessage("{Get{Publication(nearText: {concepts: [\"a\"]} nearImage: {image: \"x\"}){name}}}")
        XCTAssertEqual(message, "explorer: get class: vectorize params: found more then one module param: 'nearText', 'nearImage' which are conflicting choose one instead")
        let both = try await f.errorMessage("{Get{Publication(nearText: {concepts: [\"a\"]} nearVector: {vector: [1, 0]}){name}}}")
        XCTAssertEqual(both, "explorer: get class: vectorize params: found both 'nearText' and 'nearVector' parameters which are conflicting, choose one instead")
    }
}
