import Foundation
import XCTest
@testable import GraphQLAPI

/// Replays fuzz/corpus/graphql-vector (fuzz/README.md) through the harness's call and its invariant: the
/// blanked query keeps every offset of the query as sent.
final class VectorLiteralsFuzzCorpusTests: XCTestCase {
    func testSeedCorpusReplays() throws {
        let seeds = try corpus("graphql-vector")
        XCTAssertGreaterThan(seeds.count, 5)
        var found = 0
        for (name, data) in seeds {
            let query = String(decoding: data, as: UTF8.self)
            guard let literals = VectorLiterals(query: query) else { continue }
            found += 1
            XCTAssertEqual(literals.blankedQuery.utf8.count, query.utf8.count, name)
        }
        XCTAssertGreaterThan(found, seeds.count / 2, "most seeds hold a long vector list")
    }

    private func corpus(_ harness: String) throws -> [(String, Data)] {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = repo.appendingPathComponent("fuzz/corpus/\(harness)")
        return try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
            .map { ($0, try Data(contentsOf: dir.appendingPathComponent($0))) }
    }
}
