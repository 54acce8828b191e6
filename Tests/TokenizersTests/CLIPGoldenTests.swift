import Foundation
import XCTest
@testable import Tokenizers

/// Token ids of every golden text (tokenizers/clip-golden.json) from the three ways a CLIP folder can ship its
/// tokenizer: hub-era tokenizer.json, tokenizers-0.23 tokenizer.json, vocab.json + merges.txt.
final class CLIPGoldenTests: XCTestCase {
    // Loaded once for the class: the vocabulary has 49k entries.
    private static let hubJSON = SharedTokenizers.clip
    private static let newJSON = SharedTokenizers.clip023
    private static let vocabMerges = Result {
        try CLIPTokenizer(vocabJSON: Fixtures.clipBPE.appendingPathComponent("vocab.json"),
                          merges: Fixtures.clipBPE.appendingPathComponent("merges.txt"),
                          tokenizerConfig: Fixtures.clipBPE.appendingPathComponent("tokenizer_config.json"))
    }
    private static let golden = Result { try Fixtures.json("tokenizers/clip-golden.json") }

    private func inputs() throws -> [[String: Any]] {
        let g = try Self.golden.get()
        let inputs = try XCTUnwrap(g["inputs"] as? [[String: Any]])
        XCTAssertEqual(inputs.count, 45)
        return inputs
    }

    private func check(_ tokenizer: CLIPTokenizer, label: String,
                       expected: ([String: Any]) -> [Int32]?) throws {
        var checked = 0
        for input in try inputs() {
            let id = input["id"] as? String ?? "?"
            let text = try XCTUnwrap(input["text"] as? String)
            let want = try XCTUnwrap(expected(input), "\(id): no expected ids")
            let wantTruncated = try XCTUnwrap(int32s(input["fast_ids_truncated"]))
            XCTAssertEqual(tokenizer.encode(text, truncate: false), want, "\(label) \(id): \(text.debugDescription)")
            if want == int32s(input["fast_ids"]) {
                XCTAssertEqual(tokenizer.encode(text), wantTruncated, "\(label) \(id) truncated")
            }
            checked += 1
        }
        XCTAssertEqual(checked, 45)
    }

    func testHubEraTokenizerJSONMatchesFastIds() throws {
        try check(Self.hubJSON.get(), label: "hub tokenizer.json") { int32s($0["fast_ids"]) }
    }

    func testTokenizers023JSONMatchesFastIdsAndItsOwnSpecialTokenBehaviour() throws {
        // The tokenizers-0.23 file marks both special tokens normalized=false, so upper-case spellings are not
        // special there (clip-golden.json records those ids as tokenizers_0_23_json_ids).
        try check(Self.newJSON.get(), label: "0.23 tokenizer.json") { input in
            int32s(input["tokenizers_0_23_json_ids"]) ?? int32s(input["fast_ids"])
        }
    }

    func testVocabAndMergesMatchFastIds() throws {
        try check(Self.vocabMerges.get(), label: "vocab.json+merges.txt") { int32s($0["fast_ids"]) }
    }

    func testTokenStringsMatchFastTokens() throws {
        let tokenizer = try Self.hubJSON.get()
        for input in try inputs() {
            let text = try XCTUnwrap(input["text"] as? String)
            let want = try XCTUnwrap(input["fast_tokens"] as? [String])
            XCTAssertEqual(tokenizer.tokens(text), want, "\(input["id"] ?? "?")")
        }
    }

    func testTruncatedGoldenShape() throws {
        let tokenizer = try Self.hubJSON.get()
        XCTAssertEqual(tokenizer.maxLength, 77)
        for input in try inputs() where (input["needs_truncation"] as? Bool) == true {
            let ids = tokenizer.encode(try XCTUnwrap(input["text"] as? String))
            XCTAssertEqual(ids.count, 77)
            XCTAssertEqual(ids.first, 49406)
            XCTAssertEqual(ids.last, 49407)
        }
    }
}
