import Foundation
import XCTest
import ImageProcessing

/// Replays fuzz/corpus/image (fuzz/README.md) through the harness's call: every seed is a real image.
final class ImageFuzzCorpusTests: XCTestCase {
    func testSeedCorpusDecodes() throws {
        let seeds = try corpus("image")
        XCTAssertGreaterThan(seeds.count, 10)
        let decoder = ImageDecoder(maxPixels: 1 << 22)  // the harness's limit
        for (name, data) in seeds {
            XCTAssertNoThrow(try decoder.decode(data), name)
        }
    }

    private func corpus(_ harness: String) throws -> [(String, Data)] {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = repo.appendingPathComponent("fuzz/corpus/\(harness)")
        return try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
            .map { ($0, try Data(contentsOf: dir.appendingPathComponent($0))) }
    }
}
