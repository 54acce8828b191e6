import Foundation
import XCTest
@testable import Tokenizers

final class TokenizerLoaderTests: XCTestCase {
    func testPicksCLIPForBPEFolderAndSentenceTransformersLayout() throws {
        // models/clip-tiny has modules.json -> 0_CLIPModel/ with the tokenizer files.
        let located = try TokenizerLoader.locate(directory: Fixtures.url("models/clip-tiny"))
        XCTAssertEqual(located.kind, .clipBPE)
        XCTAssertEqual(located.directory.lastPathComponent, "0_CLIPModel")
        let tokenizer = try TokenizerLoader.load(directory: Fixtures.url("models/clip-tiny"), maxLength: 5)
        XCTAssertTrue(tokenizer is CLIPTokenizer)
        XCTAssertEqual(tokenizer.maxLength, 5)
        XCTAssertEqual(tokenizer.padTokenId, 49407)
        XCTAssertEqual(tokenizer.encode("a photo of a cat"), [49406, 320, 1125, 539, 49407])
        XCTAssertEqual(tokenizer.encode("a photo of a cat", truncate: false), [49406, 320, 1125, 539, 320, 2368, 49407])
    }

    func testPicksWordPieceForBERTFolder() throws {
        let tokenizer = try TokenizerLoader.load(directory: Fixtures.url("models/mclip-tiny"))
        XCTAssertTrue(tokenizer is WordPieceTokenizer)
        XCTAssertEqual(tokenizer.maxLength, 128)
        XCTAssertEqual(tokenizer.padTokenId, 0)
        XCTAssertEqual(tokenizer.encode("a photo of a cat"), [101, 1037, 6302, 1997, 1037, 4937, 102])
        let override = try TokenizerLoader.load(directory: Fixtures.url("models/mclip-tiny"), maxLength: 4)
        XCTAssertEqual(override.encode("a photo of a cat"), [101, 1037, 6302, 102])
    }

    func testVocabAndMergesWithoutTokenizerJSON() throws {
        let dir = try Fixtures.temporaryDirectory(self)
        for name in ["vocab.json", "merges.txt", "tokenizer_config.json"] {
            try FileManager.default.copyItem(at: Fixtures.clipBPE.appendingPathComponent(name),
                                             to: dir.appendingPathComponent(name))
        }
        XCTAssertEqual(try TokenizerLoader.locate(directory: dir).kind, .clipBPE)
        let tokenizer = try TokenizerLoader.load(directory: dir)
        XCTAssertEqual(tokenizer.encode("<|STARTOFTEXT|>hi<|ENDOFTEXT|>"),
                       [49406, 49406, 1883, 27, 347, 40786, 4160, 91, 285, 49407])
    }

    func testEmptyFolderIsAClearError() throws {
        let dir = try Fixtures.temporaryDirectory(self)
        XCTAssertThrowsError(try TokenizerLoader.load(directory: dir)) { error in
            XCTAssertEqual(error as? TokenizerError, .noTokenizerFiles(directory: dir.path))
            XCTAssertTrue("\(error)".contains("tokenizer.json"))
        }
    }

    func testCorruptTokenizerJSONIsAClearError() throws {
        let dir = try Fixtures.temporaryDirectory(self)
        try "{\"model\": {\"type\": \"BPE\", \"vocab\": ".write(to: dir.appendingPathComponent("tokenizer.json"),
                                                          atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try TokenizerLoader.load(directory: dir)) { error in
            guard case .unreadableFile(let path, _)? = error as? TokenizerError else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertTrue(path.hasSuffix("tokenizer.json"))
        }
    }

    func testUnsupportedPipelineIsRefusedNotApproximated() throws {
        let dir = try Fixtures.temporaryDirectory(self)
        let file = dir.appendingPathComponent("tokenizer.json")
        let byteLevel = #"{"type": "ByteLevel", "add_prefix_space": false}"#
        let clipSplit = #"{"type": "Split", "pattern": {"Regex": "'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+"}, "behavior": "Removed", "invert": true}"#
        func write(normalizer: String, preTokenizer: String) throws {
            try """
            {"model": {"type": "BPE", "vocab": {}, "merges": []}, "normalizer": \(normalizer),
             "pre_tokenizer": {"type": "Sequence", "pretokenizers": [\(preTokenizer), \(byteLevel)]}}
            """.write(to: file, atomically: true, encoding: .utf8)
        }
        try write(normalizer: #"{"type": "NFKC"}"#, preTokenizer: clipSplit)
        XCTAssertThrowsError(try TokenizerLoader.load(directory: dir)) { error in
            XCTAssertTrue("\(error)".contains("NFKC"), "\(error)")
        }
        try write(normalizer: "null", preTokenizer: #"{"type": "Split", "pattern": {"Regex": "\\w+"}, "behavior": "Removed", "invert": true}"#)
        XCTAssertThrowsError(try TokenizerLoader.load(directory: dir)) { error in
            XCTAssertTrue("\(error)".contains("Split pattern"), "\(error)")
        }
        // The supported pipeline gets past the pipeline checks and fails on the empty vocabulary instead.
        try write(normalizer: #"{"type": "Lowercase"}"#, preTokenizer: clipSplit)
        XCTAssertThrowsError(try TokenizerLoader.load(directory: dir)) { error in
            XCTAssertTrue("\(error)".contains("byte-level token"), "\(error)")
        }
    }

    func testMergeWithUnknownSymbolIsAnError() throws {
        let dir = try Fixtures.temporaryDirectory(self)
        try FileManager.default.copyItem(at: Fixtures.clipBPE.appendingPathComponent("vocab.json"),
                                         to: dir.appendingPathComponent("vocab.json"))
        try "#version: 0.2\ni n\nzz\u{2603} q\n".write(to: dir.appendingPathComponent("merges.txt"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try CLIPTokenizer(directory: dir)) { error in
            XCTAssertTrue("\(error)".contains("merge"), "\(error)")
        }
    }
}
