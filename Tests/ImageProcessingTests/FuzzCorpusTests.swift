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
            // The thumbnails' reduced-scale path (what the harness also calls): never bigger than the source,
            // and full size when no reduction keeps the asked-for side.
            for minSide in [1, 64, 100_000] {
                let preview = try decoder.decodePreview(data, minSide: minSide)
                XCTAssertLessThanOrEqual(preview.image.width, preview.sourceWidth, name)
                XCTAssertLessThanOrEqual(preview.image.height, preview.sourceHeight, name)
                if minSide == 100_000 { XCTAssertEqual(preview.image.width, preview.sourceWidth, name) }
            }
            // Truncated in the middle: an error, not a crash.
            _ = try? decoder.decodePreview(data.prefix(data.count / 2), minSide: 8)
        }
    }

    private func corpus(_ harness: String) throws -> [(String, Data)] {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = repo.appendingPathComponent("fuzz/corpus/\(harness)")
        return try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
            .map { ($0, try Data(contentsOf: dir.appendingPathComponent($0))) }
    }
}
