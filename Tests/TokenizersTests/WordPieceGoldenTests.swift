import Foundation
import XCTest
@testable import Tokenizers

/// WordPiece ids of every golden text: mclip-tiny (uncased BERT vocabulary, max_seq_length 128) and the real
/// all-MiniLM-L6-v2 (max_seq_length 256).
final class WordPieceGoldenTests: XCTestCase {
    private static let mclipDir = Fixtures.url("models/mclip-tiny")
    private static let mclip = Result { try WordPieceTokenizer(directory: mclipDir) }
    private static let mclipGolden = Result { try Fixtures.json("golden/mclip-tiny.json") }

    private func mclipTexts() throws -> [[String: Any]] {
        let texts = try XCTUnwrap(Self.mclipGolden.get()["texts"] as? [[String: Any]])
        XCTAssertEqual(texts.count, 45)
        return texts
    }

    func testMCLIPTinyInputIds() throws {
        let tokenizer = try Self.mclip.get()
        XCTAssertEqual(tokenizer.maxLength, 128)
        for t in try mclipTexts() {
            let text = try XCTUnwrap(t["text"] as? String)
            XCTAssertEqual(tokenizer.encode(text), int32s(t["input_ids"]), "\(t["id"] ?? "?"): \(text.debugDescription)")
            XCTAssertEqual(tokenizer.encode(text, truncate: false).count, t["n_ids_untruncated"] as? Int, "\(t["id"] ?? "?")")
        }
    }

    func testMCLIPTinyTokenStrings() throws {
        let tokenizer = try Self.mclip.get()
        for t in try mclipTexts() where (t["truncated"] as? Bool) != true {
            let text = try XCTUnwrap(t["text"] as? String)
            XCTAssertEqual(tokenizer.tokens(text), t["tokens"] as? [String], "\(t["id"] ?? "?")")
        }
    }

    /// Without tokenizer.json the settings come from tokenizer_config.json (as transformers' BertConverter
    /// builds them) and the vocabulary from vocab.txt; the ids must not change.
    func testMCLIPTinyFromVocabTxtAndConfigGivesSameIds() throws {
        let tokenizer = try WordPieceTokenizer(vocabTxt: Self.mclipDir.appendingPathComponent("vocab.txt"),
                                               tokenizerConfig: Self.mclipDir.appendingPathComponent("tokenizer_config.json"),
                                               maxLength: 128)
        for t in try mclipTexts() {
            let text = try XCTUnwrap(t["text"] as? String)
            XCTAssertEqual(tokenizer.encode(text), int32s(t["input_ids"]), "\(t["id"] ?? "?")")
        }
    }

    func testRealMiniLMInputIds() throws {
        let dir = try Fixtures.miniLMDirectory()
        let tokenizer = try TokenizerLoader.load(directory: dir)
        XCTAssertTrue(tokenizer is WordPieceTokenizer)
        XCTAssertEqual(tokenizer.maxLength, 256)
        let golden = try Fixtures.json("golden/minilm.json")
        let sentences = try XCTUnwrap(golden["sentences"] as? [[String: Any]])
        XCTAssertEqual(sentences.count, 25)
        for s in sentences {
            let text = try XCTUnwrap(s["text"] as? String)
            XCTAssertEqual(tokenizer.encode(text), int32s(s["input_ids"]), "\(s["id"] ?? "?"): \(text.debugDescription)")
        }
        let long = try XCTUnwrap(sentences.first { $0["id"] as? String == "long_300" })
        XCTAssertEqual(tokenizer.encode(try XCTUnwrap(long["text"] as? String)).count, 256)
    }
}
