import Foundation
import GraphQL
import XCTest
@testable import Database
@testable import GraphQLAPI

final class QueryLiteralsTests: XCTestCase {
    func testLongVectorListsAreBlankedAfterTheirFirstElement() throws {
        let floats = (0..<12).map { "0.\($0 + 1)" }.joined(separator: ", ")
        let query = "{Get{V(limit: 2 nearVector: {vector: [\(floats)]} where: {path: [\"a\"] operator: Equal valueInt: 1}){x}}}"
        let literals = try XCTUnwrap(QueryLiterals(query: query))
        XCTAssertEqual(literals.blankedQuery.utf8.count, query.utf8.count)
        XCTAssertEqual(literals.blankedQuery, query.replacingOccurrences(
            of: floats, with: "0.1" + String(repeating: " ", count: floats.count - 3)))
        let open = query.utf8.firstIndex(of: UInt8(ascii: "["))!
        XCTAssertEqual(literals.vectors, [query.utf8.distance(from: query.utf8.startIndex, to: open):
                                          (1...12).map { Float(Double("0.\($0)")!) }])
    }

    func testIntsExponentsAndNewlinesAreRead() throws {
        let query = "{Get{V(nearVector: {vector: [1, -2, 3e2\n 4.5E-1, 0, -0.25,,6 7]}){x}}}"
        let literals = try XCTUnwrap(QueryLiterals(query: query))
        XCTAssertEqual(literals.vectors.values.first, [1, -2, 300, 0.45, 0, -0.25, 6, 7])
        XCTAssertEqual(literals.blankedQuery.filter { $0 == "\n" }.count, 1, "line breaks are kept")
    }

    func testListsItCannotReadAreLeftToGraphQL() {
        let eight = "1, 2, 3, 4, 5, 6, 7"
        for query in [
            "{Get{V(nearVector: {vector: [1, 2, 3]}){x}}}",                     // short
            "{Get{V(nearVector: {vector: [\(eight), \"8\"]}){x}}}",             // a string item
            "{Get{V(nearVector: {vector: [\(eight), 08]}){x}}}",                // leading zero
            "{Get{V(nearVector: {vector: [\(eight), 8.]}){x}}}",                // no fraction digits
            "{Get{V(nearVector: {vector: [\(eight), 8a]}){x}}}",                // a name glued on
            "{Get{V(nearVector: {vector: [\(eight), 1e999]}){x}}}",             // not finite
            "{Get{V(nearVector: {vector: [\(eight), 8 # note\n]}){x}}}",        // a comment inside
            "{Get{V(where: {path: [\"a\"] operator: Equal valueText: \"vector: [\(eight), 8]\"}){x}}}",  // in a string
            "{Get{V(where: {path: [\"a\"] operator: Equal valueText: \"\"\"vector: [\(eight), 8]\"\"\"}){x}}}",
            "# vector: [\(eight), 8]\n{Get{V{x}}}",                             // in a comment
            "{Get{V(where: {path: [\(eight), 8]}){x}}}",                        // not a `vector` field
            "query($n: NearVector = {vector: [\(eight), 8]}) {Get{V(nearVector: $n){x}}}",  // a variable default
        ] {
            XCTAssertNil(QueryLiterals(query: query), query)
        }
    }

    /// The blanked path gives exactly the answer of the as-sent path (variables go through GraphQLSwift's
    /// own coercion), also with multi-byte text before the list (offsets are UTF-8 bytes).
    func testBlankedQueriesAnswerLikeQueriesAsSent() async throws {
        let f = try Fixture()
        try await f.createClass("Item", properties: [("name", "text")])
        var rng = SplitMix(state: 7)
        let vectors = (0..<60).map { _ in rng.vector(32) }
        try await f.insert("Item", vectors.enumerated().map { (["name": .string("é \($0.offset % 2)")], $0.element) })
        let query = rng.vector(32)
        let selection = "{name _additional{id distance}}"
        let literal = try await f.get("Item", """
            {Get{Item(where: {path: ["name"] operator: Equal valueText: "é 1"} limit: 5
                      nearVector: {vector: \(vectorLiteral(query))}) \(selection)}}
            """)
        let body = JSONValue.object([
            "query": .string("""
                query($v: [Float]!) {Get{Item(where: {path: ["name"] operator: Equal valueText: "é 1"} limit: 5
                                             nearVector: {vector: $v}) \(selection)}}
                """),
            "variables": .object(["v": .array(query.map { .double(Double($0)) })]),
        ]).jsonString()
        let (status, data) = await f.service.handle(body: Data(body.utf8))
        XCTAssertEqual(status, 200)
        let answer = try JSONValue.parse(data)
        XCTAssertNil(answer["errors"], answer.jsonString())
        let asSent = answer["data"]?["Get"]?["Item"]?.arrayValue
        XCTAssertEqual(literal.count, 5)
        XCTAssertEqual(literal, asSent)
    }

    /// Errors are reported against the query as sent, with its locations.
    func testErrorsKeepTheLocationsOfTheQueryAsSent() async throws {
        let f = try Fixture()
        try await f.createClass("Item", properties: [("name", "text")])
        let v = vectorLiteral((0..<16).map { Float($0) })
        let (_, body) = try await f.query("{Get{Item(nearVector: {vector: \(v)}\n) {nosuchfield}}}")
        let error = try XCTUnwrap(body["errors"]?.arrayValue?.first)
        XCTAssertEqual(error["message"]?.stringValue, "Cannot query field \"nosuchfield\" on type \"Item\".")
        XCTAssertEqual(error["locations"]?.arrayValue?.first?["line"]?.intValue, 2)
        XCTAssertEqual(error["locations"]?.arrayValue?.first?["column"]?.intValue, 4)

        // A resolver error (a dimension mismatch) for a blanked query.
        try await f.insert("Item", [(["name": .string("a")], [1, 2, 3])])
        let mismatch = try await f.errorMessage("{Get{Item(nearVector: {vector: \(v)}) {name}}}")
        XCTAssertEqual(mismatch?.contains("vector lengths don't match: 16 vs 3"), true, mismatch ?? "no error")
    }

    // MARK: image strings

    func testLongImageStringsAreTakenOutOfTheText() throws {
        let image = String(repeating: "iVBORw0KGgo+/=", count: 40)
        let floats = vectorLiteral((0..<10).map { Float($0) })
        let query = "{Get{A(nearImage: {image: \"\(image)\"}){x} B(nearVector: {vector: \(floats)}){x}}}"
        let literals = try XCTUnwrap(QueryLiterals(query: query))
        let rewritten = "{Get{A(nearImage: {image: \"\"}){x} B(nearVector: {vector: [0.0" + String(repeating: " ", count: floats.count - 5) + "]}){x}}}"
        XCTAssertEqual(literals.blankedQuery, rewritten)
        let bytes = Array(rewritten.utf8)
        XCTAssertEqual(literals.images, [bytes.firstIndex(of: UInt8(ascii: "\""))!: image])
        XCTAssertEqual(literals.vectors, [bytes.firstIndex(of: UInt8(ascii: "["))!: (0..<10).map { Float($0) }])
        XCTAssertEqual(literals.shape, "{Get{A(nearImage: {image: \"\"}){x} B(nearVector: {vector: []}){x}}}")
    }

    func testStringsItCannotTakeAreLeftToGraphQL() {
        let long = String(repeating: "a", count: 300)
        for query in [
            "{Get{V(nearImage: {image: \"abc\"}){x}}}",                                      // short
            "{Get{V(nearImage: {image: \"\(long)\\u0041\"}){x}}}",                          // an escape
            "{Get{V(nearImage: {image: \"\(long)é\"}){x}}}",                                  // not ASCII
            "{Get{V(nearImage: {image: \"\"\"\(long)\"\"\"}){x}}}",                            // a block string
            "{Get{V(where: {path: [\"a\"] operator: Equal valueText: \"\(long)\"}){x}}}",      // not `image`
            "query($n: NearImage = {image: \"\(long)\"}) {Get{V(nearImage: $n){x}}}",         // a variable default
            "# image: \"\(long)\"\n{Get{V{x}}}",                                               // a comment
        ] {
            XCTAssertNil(QueryLiterals(query: query), String(query.prefix(60)))
        }
    }

    /// The module gets the whole string, and the answer is the as-sent path's (the image as a variable).
    func testImagesTakenOutReachTheModule() async throws {
        let module = FakeTextModule()  // an image's vector: [its base64 length, 1]
        let f = try Fixture(modules: [module])
        try await f.createClass("Photo", vectorizer: module.name, properties: [("name", "text")])
        try await f.insert("Photo", [(["name": "long"], [300, 1]), (["name": "empty"], [0, 1])])
        let image = String(repeating: "A", count: 300)
        let selection = "{name _additional{distance}}"
        let literal = try await f.get("Photo", "{Get{Photo(nearImage: {image: \"\(image)\"} limit: 1)\(selection)}}")
        XCTAssertEqual(literal.first?["name"], "long")
        let body = JSONValue.object([
            "query": .string("query($i: String!) {Get{Photo(nearImage: {image: $i} limit: 1)\(selection)}}"),
            "variables": .object(["i": .string(image)]),
        ]).jsonString()
        let (_, data) = await f.service.handle(body: Data(body.utf8))
        let answer = try JSONValue.parse(data)
        XCTAssertEqual(answer["data"]?["Get"]?["Photo"]?.arrayValue, literal)
    }

    /// A resolver error after an image on the same line is located in the query as sent.
    func testErrorsAfterAnImageKeepTheirColumns() async throws {
        let module = FakeTextModule()
        let f = try Fixture(modules: [module])
        try await f.createClass("Photo", vectorizer: module.name, properties: [("name", "text")])
        try await f.insert("Photo", [(["name": "a"], [1, 1])])
        let image = String(repeating: "A", count: 300)
        let query = "{Get{Photo(nearImage: {image: \"\(image)\"}){name} second: Photo(nearVector: {vector: [1, 2, 3]}){name}}}"
        let (_, body) = try await f.query("\n" + query)
        let error = try XCTUnwrap(body["errors"]?.arrayValue?.first, body.jsonString())
        XCTAssertEqual(error["message"]?.stringValue?.contains("vector lengths don't match"), true, error.jsonString())
        let column = query.utf8.distance(from: query.utf8.startIndex, to: query.range(of: "second")!.lowerBound) + 1
        XCTAssertEqual(error["locations"]?[0]?["line"]?.intValue, 2)
        XCTAssertEqual(error["locations"]?[0]?["column"]?.intValue, Int64(column))
    }
}

/// The validation cache keyed by query shape, and the schema fact that makes it sound.
final class QueryLiteralShapeTests: XCTestCase {
    func testQueriesThatDifferOnlyInTheirVectorsShareAShape() throws {
        func query(_ v: [Float]) -> String { "{Get{V(limit: 3 nearVector: {vector: \(vectorLiteral(v))}){x}}}" }
        let a = try XCTUnwrap(QueryLiterals(query: query((0..<10).map { Float($0) / 7 })))
        let b = try XCTUnwrap(QueryLiterals(query: query((0..<10).map { -Float($0) * 3 })))
        XCTAssertEqual(a.shape, "{Get{V(limit: 3 nearVector: {vector: []}){x}}}")
        XCTAssertEqual(a.shape, b.shape)
    }

    /// Every argument or input field named `vector` is a [Float] (or [Float]!), every input field named
    /// `image` a String (and no argument is named so), with and without a module's arguments.
    func testEveryVectorInputIsAFloatList() async throws {
        let module = FakeTextModule()
        let f = try Fixture(modules: [module])
        try await f.createClass("Publication", vectorizer: module.name, properties: [("name", "text")])
        try await f.createClass("Plain", properties: [("n", "int"), ("at", "Publication")])
        let schema = try XCTUnwrap(try f.service.currentSchema())
        func isFloatList(_ type: any GraphQLInputType) -> Bool {
            let list = (type as? GraphQLNonNull)?.ofType ?? type
            return ((list as? GraphQLList)?.ofType as? GraphQLScalarType)?.name == "Float"
        }
        func isString(_ type: any GraphQLInputType) -> Bool {
            ((type as? GraphQLNonNull)?.ofType as? GraphQLScalarType ?? type as? GraphQLScalarType)?.name == "String"
        }
        var seen = 0, images = 0
        for type in schema.typeMap.values {
            if let input = type as? GraphQLInputObjectType, let field = try input.fields()["vector"] {
                XCTAssertTrue(isFloatList(field.type), "\(input.name).vector")
                seen += 1
            }
            if let input = type as? GraphQLInputObjectType, let field = try input.fields()["image"] {
                XCTAssertTrue(isString(field.type), "\(input.name).image")
                images += 1
            }
            if let object = type as? GraphQLObjectType {
                for (name, field) in try object.fields() {
                    if let argument = field.args["vector"] {
                        XCTAssertTrue(isFloatList(argument.type), "\(object.name).\(name)(vector:)")
                    }
                    XCTAssertNil(field.args["image"], "\(object.name).\(name)(image:)")
                }
            }
        }
        XCTAssertGreaterThan(seen, 0, "nearVector inputs exist")
        XCTAssertGreaterThan(images, 0, "nearImage inputs exist")
    }

    /// A shape validated against one schema is validated again once the schema changes.
    func testAShapeIsRevalidatedAfterASchemaChange() async throws {
        let f = try Fixture()
        try await f.createClass("Item", properties: [("name", "text"), ("extra", "text")])
        let v = vectorLiteral((0..<16).map { Float($0) })
        let q = "{Get{Item(nearVector: {vector: \(v)}) {extra}}}"
        let before = try await f.errorMessage(q)
        XCTAssertNil(before)
        try await f.db.deleteClass("Item")
        try await f.createClass("Item", properties: [("name", "text")])
        let after = try await f.errorMessage(q)
        XCTAssertEqual(after, "Cannot query field \"extra\" on type \"Item\".")
    }
}
