import XCTest
@testable import Database

/// A small real vectorizer for the seam: a 4-d bag of letters over the configured textFields.
final class LetterCountVectorizer: VectorizerModule, @unchecked Sendable {
    let name = "letter-count"
    private let lock = NSLock()
    private(set) var calls: [Int] = []  // batch sizes of each vectorize call

    func classConfigDefaults(_ userConfig: JSONValue?) -> JSONValue { userConfig ?? .object([:]) }
    func propertyConfigDefaults() -> JSONValue { .object([:]) }

    func validate(classConfig: JSONValue, class: ClassDefinition) throws {
        guard let fields = classConfig["textFields"] else { throw ModuleConfigError("textFields setting needs to be present") }
        guard let a = fields.arrayValue, !a.isEmpty, a.allSatisfy({ $0.stringValue != nil }) else {
            throw ModuleConfigError("textFields must be a non-empty array of strings")
        }
    }

    func fields(_ c: ClassDefinition) -> [String] {
        c.moduleConfig?[name]?["textFields"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    func vectorize(objects: [VectorizeInput], class c: ClassDefinition) async throws -> [[Float]?] {
        lock.withLock { calls.append(objects.count) }
        return objects.map { o in
            let text = fields(c).compactMap { o.properties[$0]?.stringValue }.joined(separator: " ").lowercased()
            if text.isEmpty { return nil }
            var v = [Float](repeating: 0, count: 4)
            for u in text.unicodeScalars where u.properties.isAlphabetic { v[Int(u.value) % 4] += 1 }
            return v
        }
    }

    func meta() async throws -> JSONValue { ["name": "letter-count"] }
    func vectorizedProperties(class c: ClassDefinition) -> Set<String> { Set(fields(c)) }
}

final class VectorizerTests: XCTestCase {
    func testModuleConfigDefaultsValidationAndVectorisation() async throws {
        let module = LetterCountVectorizer()
        let t = try TempDatabase(modules: ModuleRegistry([module]))
        await XCTAssertThrowsDatabaseError(try await t.db.createClass(ClassDefinition(className: "M", vectorizer: "letter-count")),
                                     .unprocessable, "module 'letter-count': textFields setting needs to be present")
        let c = try await t.db.createClass(ClassDefinition(className: "M", properties: [
            PropertyDefinition(name: "name", dataType: ["text"]), PropertyDefinition(name: "other", dataType: ["text"]),
        ], vectorizer: "letter-count", moduleConfig: ["letter-count": ["textFields": ["name"]]]))
        XCTAssertEqual(c.moduleConfig, ["letter-count": ["textFields": ["name"]]])
        XCTAssertEqual(c.properties?[0].moduleConfig, ["letter-count": [:]])
        await XCTAssertThrowsDatabaseError(try await t.db.updateClass("M", ClassDefinition(className: "M", moduleConfig: ["letter-count": ["textFields": ["other"]]])),
                                     .unprocessable, "module config is immutable")

        let o = try await t.db.createObject(ObjectInput(className: "M", properties: ["name": "abcd", "other": "x"]))
        XCTAssertEqual(o.vector, [1, 1, 1, 1])  // a b c d → slots 1 2 3 0
        // A user vector wins.
        let u = try await t.db.createObject(ObjectInput(className: "M", properties: ["name": "abcd"], vector: [9, 9, 9, 9]))
        XCTAssertEqual(u.vector, [9, 9, 9, 9])
        // Nothing to vectorise: stored without a vector.
        let none = try await t.db.createObject(ObjectInput(className: "M", properties: ["other": "zz"]))
        XCTAssertNil(none.vector)

        // PATCH of a non-vectorised property keeps the vector (no call); of a vectorised one recomputes it.
        let before = module.calls.count
        try await t.db.mergeObject(className: "M", id: u.id, ObjectInput(properties: ["other": "changed"]))
        XCTAssertEqual(module.calls.count, before)
        await XCTAssertEqualAsync(try await t.db.getObject(className: "M", id: u.id, includeVector: true)?.vector, [9, 9, 9, 9])
        try await t.db.mergeObject(className: "M", id: u.id, ObjectInput(properties: ["name": "aaaa"]))
        XCTAssertEqual(module.calls.count, before + 1)
        await XCTAssertEqualAsync(try await t.db.getObject(className: "M", id: u.id, includeVector: true)?.vector, [0, 4, 0, 0])  // 'a' = 97 → slot 1

        // Batch: one vectorize call for the whole batch of the class.
        let callsBefore = module.calls.count
        let results = try await t.db.batchObjects((0..<25).map { ObjectInput(className: "M", properties: ["name": .string("item \($0)")]) })
        XCTAssertTrue(results.allSatisfy { $0.error == nil && $0.object.vector != nil })
        XCTAssertEqual(Array(module.calls[callsBefore...]), [25])
        let hits = try await t.db.vectorSearch(className: "M", vector: [1, 1, 1, 1], k: 3)
        XCTAssertEqual(hits.count, 3)
    }
}
