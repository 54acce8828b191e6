import Foundation
import XCTest
@testable import Database
@testable import GraphQLAPI

/// A real database in a fresh temporary directory with a GraphQL service over it.
final class Fixture {
    let path: String
    let db: Database
    let service: GraphQLService

    init(modules: [any VectorizerModule] = [], config: (inout DatabaseConfig) -> Void = { _ in }) throws {
        path = NSTemporaryDirectory() + "iris-graphql-test-" + UUID().uuidString
        var c = DatabaseConfig(dataPath: path, queryDefaultsLimit: 25, snapshotIntervalSeconds: nil)
        c.enabledModules = modules.map(\.name)
        config(&c)
        db = try Database(config: c, modules: ModuleRegistry(modules))
        service = GraphQLService(database: db)
    }

    deinit {
        try? db.close()
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Creates a class with a vector index of `metric` and the given properties (name: dataType).
    @discardableResult
    func createClass(_ name: String, metric: String = "cosine", vectorizer: String? = nil,
                     properties: [(String, String)] = []) async throws -> ClassDefinition {
        try await db.createClass(ClassDefinition(
            className: name,
            properties: properties.map { PropertyDefinition(name: $0.0, dataType: [$0.1]) },
            vectorizer: vectorizer,
            vectorIndexConfig: ["distance": .string(metric)]))
    }

    /// Inserts objects with ids `uuid(i)` in one batch; fails the test on any item error.
    func insert(_ className: String, _ items: [(properties: [String: JSONValue], vector: [Float]?)],
                file: StaticString = #filePath, line: UInt = #line) async throws {
        let inputs = items.enumerated().map { i, item in
            ObjectInput(className: className, id: uuid(i), properties: item.properties, vector: item.vector)
        }
        let results = try await db.batchObjects(inputs)
        for r in results where r.error != nil { XCTFail("insert failed: \(r.error!)", file: file, line: line) }
    }

    /// POSTs one query to the service; returns the status and the parsed body.
    func query(_ q: String, operationName: String? = nil) async throws -> (status: Int, body: JSONValue) {
        var request: [String: JSONValue] = ["query": .string(q)]
        if let operationName { request["operationName"] = .string(operationName) }
        let body = JSONValue.object(request).jsonString()
        let (status, data) = await service.handle(body: Data(body.utf8))
        return (status, try JSONValue.parse(data))
    }

    /// The `data.Get.<Class>` list of a query that must succeed.
    func get(_ className: String, _ q: String, file: StaticString = #filePath, line: UInt = #line) async throws -> [JSONValue] {
        let (status, body) = try await query(q)
        XCTAssertEqual(status, 200, file: file, line: line)
        XCTAssertNil(body["errors"], "errors: \(body.jsonString())", file: file, line: line)
        return body["data"]?["Get"]?[className]?.arrayValue ?? []
    }

    /// The first error message of a query that must fail inside the resolver (HTTP 200, data null).
    func errorMessage(_ q: String) async throws -> String? {
        let (_, body) = try await query(q)
        return body["errors"]?.arrayValue?.first?["message"]?.stringValue
    }
}

/// Deterministic uuids: object i of a test.
func uuid(_ i: Int) -> String {
    let hex = String(i, radix: 16)
    return "00000000-0000-4000-8000-" + String(repeating: "0", count: 12 - hex.count) + hex
}

/// A small deterministic generator so brute-force comparisons are reproducible.
struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func float() -> Float { Float(next() >> 40) / Float(1 << 24) * 2 - 1 }
    mutating func vector(_ d: Int) -> [Float] { (0..<d).map { _ in float() } }
}

/// Weaviate's distances (reference 3.3), computed independently of the index, in Double.
func bruteDistance(_ metric: String, _ a: [Float], _ b: [Float]) -> Double {
    let x = a.map(Double.init), y = b.map(Double.init)
    switch metric {
    case "cosine":
        let na = sqrt(x.reduce(0) { $0 + $1 * $1 }), nb = sqrt(y.reduce(0) { $0 + $1 * $1 })
        return 1 - zip(x, y).reduce(0) { $0 + $1.0 * $1.1 } / (na * nb)
    case "dot": return -zip(x, y).reduce(0) { $0 + $1.0 * $1.1 }
    case "l2-squared": return zip(x, y).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
    case "manhattan": return zip(x, y).reduce(0) { $0 + abs($1.0 - $1.1) }
    case "hamming": return Double(zip(a, b).filter { $0.0 != $0.1 }.count)
    default: fatalError(metric)
    }
}

func vectorLiteral(_ v: [Float]) -> String { "[" + v.map { "\($0)" }.joined(separator: ", ") + "]" }

/// A test-only vectorizer module: text → a vector from a fixed table (unknown words → hashed),
/// images → their byte length; enough to exercise the module seam without CLIP.
final class FakeTextModule: VectorizerModule, NearSearchVectorizer, @unchecked Sendable {
    let name = "fake-clip"
    let nearArguments: Set<ModuleNearArgumentKind> = [.nearText, .nearImage]
    var table: [String: [Float]] = [:]
    private(set) var texts: [String] = []
    private let lock = NSLock()

    func classConfigDefaults(_ userConfig: JSONValue?) -> JSONValue { userConfig ?? .object([:]) }
    func propertyConfigDefaults() -> JSONValue { .object([:]) }
    func validate(classConfig: JSONValue, class: ClassDefinition) throws {}
    func vectorize(objects: [VectorizeInput], class: ClassDefinition) async throws -> [[Float]?] {
        objects.map { _ in nil }
    }
    func meta() async throws -> JSONValue { .object([:]) }
    func vectorizedProperties(class: ClassDefinition) -> Set<String> { [] }

    func vectorize(text: String, class: ClassDefinition) async throws -> [Float] {
        record(text)
        if let v = table[text] { return v }
        var h: UInt64 = 1469598103934665603
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 1099511628211 }
        return [Float(h % 1000) / 1000, Float((h / 1000) % 1000) / 1000]
    }

    private func record(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        texts.append(text)
    }

    func vectorize(image base64: String, class: ClassDefinition) async throws -> [Float] {
        [Float(base64.count), 1]
    }
}

extension JSONValue {
    /// Element `index` of an array value (nil when out of range or not an array).
    subscript(index: Int) -> JSONValue? {
        guard let a = arrayValue, index >= 0, index < a.count else { return nil }
        return a[index]
    }
}
