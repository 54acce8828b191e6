import Foundation
import XCTest
@testable import Tokenizers

/// Replays fuzz/corpus/{clip-bpe,wordpiece,tokenizer-file} (fuzz/README.md) through the harnesses' calls.
final class TokenizerFuzzCorpusTests: XCTestCase {
    func testCLIPBPESeeds() throws {
        let tokenizer = try CLIPTokenizer(directory: Fixtures.clipBPE)
        for (name, data) in try corpus("clip-bpe") {
            let text = String(decoding: data, as: UTF8.self)
            XCTAssertGreaterThanOrEqual(tokenizer.encode(text, truncate: false).count, 2, name)
            XCTAssertLessThanOrEqual(tokenizer.encode(text, truncate: true).count, tokenizer.maxLength, name)
        }
    }

    func testWordPieceSeeds() throws {
        let tokenizer = try WordPieceTokenizer(directory: Fixtures.url("models/mclip-tiny"))
        for (name, data) in try corpus("wordpiece") {
            let text = String(decoding: data, as: UTF8.self)
            XCTAssertGreaterThanOrEqual(tokenizer.encode(text, truncate: false).count, 2, name)
            XCTAssertLessThanOrEqual(tokenizer.encode(text, truncate: true).count, tokenizer.maxLength, name)
        }
    }

    /// Seeds are small but complete tokenizer.json files the loader accepts, except `invalid-*` ones.
    func testTokenizerFileSeeds() throws {
        for (name, data) in try corpus("tokenizer-file") {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("iris-fuzz-seeds-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            try data.write(to: dir.appendingPathComponent("tokenizer.json"))
            if name.hasPrefix("invalid-") {
                XCTAssertThrowsError(try TokenizerLoader.load(directory: dir), name)
                continue
            }
            let tokenizer = try TokenizerLoader.load(directory: dir)
            XCTAssertFalse(tokenizer.encode("a photo of a cat", truncate: false).isEmpty, name)
        }
    }

    private func corpus(_ harness: String) throws -> [(String, Data)] {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = repo.appendingPathComponent("fuzz/corpus/\(harness)")
        return try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
            .map { ($0, try Data(contentsOf: dir.appendingPathComponent($0))) }
    }
}
