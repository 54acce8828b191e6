import Foundation
import XCTest
@testable import Database

/// Replays fuzz/corpus/json (the `json` harness's seeds, fuzz/README.md) through the harness's call, so a
/// plain `swift test` keeps the corpus honest, plus regressions for what fuzzing found.
final class JSONFuzzCorpusTests: XCTestCase {
    func testSeedCorpusReplays() throws {
        let seeds = try corpus("json")
        XCTAssertGreaterThan(seeds.count, 5)
        var parsed = 0
        for (_, data) in seeds where (try? JSONValue.parse(bytes: [UInt8](data))) != nil { parsed += 1 }
        XCTAssertGreaterThan(parsed, seeds.count / 2, "most seeds are valid JSON")
    }

    private func corpus(_ harness: String) throws -> [(String, Data)] {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = repo.appendingPathComponent("fuzz/corpus/\(harness)")
        return try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
            .map { ($0, try Data(contentsOf: dir.appendingPathComponent($0))) }
    }
}
