import Foundation
import XCTest
@testable import Tokenizers

/// BERT BasicTokenizer + WordPiece rules, on a small hand-made vocabulary so each rule is visible.
final class WordPieceBehaviourTests: XCTestCase {
    private static let vocab = [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",                  // 0...4
        "hello", "Hello", "world", "cafe", "café", "play", "##ing",    // 5...11
        "##s", "un", "##believ", "##able", ",", "!", "猫", "$", "a",    // 12...20
        "ᄉ", "##ᅡ", "i", "\u{307}", "##a",                           // 21...25
    ]

    private func makeTokenizer(config: [String: Any], maxLength: Int = 512,
                               sentenceTransformersLowercase: Bool = false) throws -> WordPieceTokenizer {
        let dir = try Fixtures.temporaryDirectory(self)
        try (Self.vocab.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("vocab.txt"),
                                                              atomically: true, encoding: .utf8)
        try JSONSerialization.data(withJSONObject: config).write(to: dir.appendingPathComponent("tokenizer_config.json"))
        try JSONSerialization.data(withJSONObject: ["max_seq_length": maxLength, "do_lower_case": sentenceTransformersLowercase])
            .write(to: dir.appendingPathComponent("sentence_bert_config.json"))
        let loaded = try TokenizerLoader.load(directory: dir)
        return try XCTUnwrap(loaded as? WordPieceTokenizer)
    }

    private var uncased: WordPieceTokenizer { get throws { try makeTokenizer(config: ["do_lower_case": true]) } }
    private var cased: WordPieceTokenizer { get throws { try makeTokenizer(config: ["do_lower_case": false]) } }

    func testClsSepAndGreedyLongestMatch() throws {
        let t = try uncased
        XCTAssertEqual(t.encode("playing unbelievable plays"), [2, 10, 11, 13, 14, 15, 10, 12, 3])
        XCTAssertEqual(t.tokens("playing"), ["[CLS]", "play", "##ing", "[SEP]"])
        XCTAssertEqual(t.encode(""), [2, 3])
    }

    func testUnmatchedRemainderMakesWholeWordUnknown() throws {
        let t = try uncased
        // "playx": "play" matches but "##x" does not -> the whole word is [UNK], not play + [UNK].
        XCTAssertEqual(t.encode("playx hello"), [2, 1, 5, 3])
    }

    func testWordsOver100CharactersAreUnknown() throws {
        let t = try uncased
        XCTAssertEqual(t.encode(String(repeating: "a", count: 101)), [2, 1, 3])
        XCTAssertEqual(t.encode(String(repeating: "a", count: 100)), [2, 20] + Array(repeating: 25, count: 99) + [3])
    }

    func testUncasedLowercasesAndStripsAccents() throws {
        let t = try uncased
        XCTAssertEqual(t.encode("HELLO Café"), [2, 5, 8, 3])
        XCTAssertEqual(t.encode("cafe\u{301}"), [2, 8, 3])
    }

    func testCasedKeepsCaseAndAccents() throws {
        let t = try cased
        XCTAssertEqual(t.encode("Hello hello HELLO café"), [2, 6, 5, 1, 9, 3])
    }

    /// sentence_bert_config.json's do_lower_case: sentence-transformers lower-cases the text itself before the
    /// (here cased) tokenizer sees it, so even special-token spellings are lower-cased first.
    func testSentenceTransformersLowercaseRunsBeforeTheTokenizer() throws {
        let t = try makeTokenizer(config: ["do_lower_case": false], sentenceTransformersLowercase: true)
        XCTAssertEqual(t.encode("Hello HELLO café"), [2, 5, 5, 9, 3])
        XCTAssertEqual(t.encode("[MASK]"), [2, 1, 1, 1, 3])
    }

    func testLowercaseWithoutAccentStripping() throws {
        let t = try makeTokenizer(config: ["do_lower_case": true, "strip_accents": false])
        XCTAssertEqual(t.encode("CAFÉ"), [2, 9, 3])
    }

    func testPunctuationIsSplitIncludingASCIISymbols() throws {
        let t = try uncased
        XCTAssertEqual(t.encode("hello,world!$hello"), [2, 5, 16, 7, 17, 19, 5, 3])
    }

    func testChineseCharactersAreSplitUnlessDisabled() throws {
        XCTAssertEqual(try uncased.encode("猫猫"), [2, 18, 18, 3])
        let noSplit = try makeTokenizer(config: ["do_lower_case": true, "tokenize_chinese_chars": false])
        XCTAssertEqual(noSplit.encode("猫猫"), [2, 1, 3])
    }

    func testControlCharactersDroppedAndWhitespaceNormalised() throws {
        let t = try uncased
        XCTAssertEqual(t.encode("hel\u{0}lo\u{200B}\u{FFFD}\u{7}"), [2, 5, 3])
        XCTAssertEqual(t.encode("hello\u{00A0}\u{3000}world\t\n"), [2, 5, 7, 3])
    }

    func testHangulIsDecomposedWhenStrippingAccents() throws {
        // NFD turns the syllable 사 into the jamo ᄉ + ᅡ (Lo, not Mn, so they stay).
        XCTAssertEqual(try uncased.encode("사"), [2, 21, 22, 3])
    }

    func testSpecialTokenStringsInRawText() throws {
        let t = try uncased
        XCTAssertEqual(t.encode("hello [MASK] world[SEP]"), [2, 5, 4, 7, 3, 3])
        // Matched in the raw text only: a lower-case spelling is ordinary text.
        XCTAssertEqual(t.encode("[mask]"), [2, 1, 1, 1, 3])
    }

    func testTruncationKeepsSep() throws {
        let t = try makeTokenizer(config: ["do_lower_case": true], maxLength: 5)
        XCTAssertEqual(t.maxLength, 5)
        XCTAssertEqual(t.encode("hello world hello world"), [2, 5, 7, 5, 3])
        XCTAssertEqual(t.encode("hello world hello world", truncate: false).count, 6)
    }

    func testMissingUnknownTokenIsAnError() throws {
        let dir = try Fixtures.temporaryDirectory(self)
        try "[CLS]\n[SEP]\nhello\n".write(to: dir.appendingPathComponent("vocab.txt"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try WordPieceTokenizer(directory: dir)) { error in
            XCTAssertTrue("\(error)".contains("[UNK]"), "\(error)")
        }
    }
}
