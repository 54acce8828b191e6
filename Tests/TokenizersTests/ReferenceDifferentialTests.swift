import Foundation
import XCTest
@testable import Tokenizers

/// Random texts (seeded) tokenized here and by the reference Rust `tokenizers` library (pip package
/// tokenizers, the version the fixtures were made with), which must give the same ids. Skipped when python3
/// or the package is missing; the golden tests above do not need it.
final class ReferenceDifferentialTests: XCTestCase {
    /// Pieces chosen to hit every rule: Unicode whitespace, controls, combining marks, CJK, Hangul, emoji
    /// sequences, special-token spellings, contractions, digits, case mappings with several scalars.
    private static let pieces: [String] = [
        "a", "photo", "of", "The", "CAT", "dog's", "don't", "I'M", "we'LL", "they've", "'re", "'", "''", "rock'n'roll",
        "2024", "3.14", "1,000", "½", "²", "٣", "Ⅻ", "x²", "café", "cafe\u{301}", "naïve", "Ångström", "Å",
        "İstanbul", "ΣΊΣΥΦΟΣ", "ß", "ﬁne", "Ｆｕｌｌ", "ｶﾀｶﾅ", "東京", "猫が好き", "한국어", "\u{1100}\u{1161}\u{11A8}",
        "が", "か\u{3099}", "\u{F900}", "🍕", "👨\u{200D}👩\u{200D}👧", "🇩🇪", "👍🏽", "❤️", "<|startoftext|>",
        "<|endoftext|>", "<|STARTOFTEXT|>", "<|EndOfText|>", "<|", "|>", "[CLS]", "[SEP]", "[MASK]", "[mask]", "##ing",
        "hello,", "world!!!", "(really...)", "@user", "#tag", "$100", "50%", "a&b", "~x~", "`code`", "^_^", "|pipe|",
        "\\b", "—", "–", "…", "“quoted”", "‘single’", "«guillemets»", "¿Qué?", "¡Sí!", "؟", "।", "。", "，", "！",
        "بيت", "कि", "क्ष", "ภาษาไทย", "Ελληνικά", "русский", "ʼn", "\u{0}", "\u{7}", "\u{7F}", "\u{85}", "\u{AD}",
        "\u{200B}", "\u{200D}", "\u{FEFF}", "\u{FFFD}", "\u{E000}", "\u{378}", "\u{1C}", "\u{2028}", "e\u{327}\u{301}",
        "a\u{301}\u{327}", "\u{344}", "\u{1E0B}\u{323}", "ǅ", "ﬀ", "Ⓐ", "㎏", "supercalifragilisticexpialidocious",
        "\u{AC00}\u{11A8}", "\u{0BC6}\u{0BBE}", "\u{0915}\u{093C}", "\u{0958}", "\u{2126}", "\u{212B}", "\u{1F71}",
        "\u{0340}", "\u{FB2A}", "\u{2ADC}", "\u{1D15E}", "\u{0F73}", "\u{1B05}\u{1B35}", "\u{30AB}\u{309A}",
        String(repeating: "ab", count: 60), String(repeating: "x", count: 101), "https://example.com/a?b=c&d=e",
    ]
    private static let separators: [String] = [" ", " ", " ", "", "  ", "\t", "\n", "\r\n", "\u{A0}", "\u{3000}",
                                                "\u{2003}", "\u{202F}", " \u{A0} ", "\u{1680}", "\u{205F}"]

    private func randomTexts(count: Int, seed: UInt64) -> [String] {
        var g = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            var text = ""
            for _ in 0..<(Int(g.next() % 12)) {
                text += Self.pieces[Int(g.next() % UInt64(Self.pieces.count))]
                text += Self.separators[Int(g.next() % UInt64(Self.separators.count))]
            }
            return text
        }
    }

    /// Runs the reference on `texts` with the tokenizer.json at `path`; ids with special tokens, no truncation.
    private func referenceIds(tokenizerJSON path: URL, texts: [String]) throws -> [[Int32]] {
        let dir = try Fixtures.temporaryDirectory(self)
        let input = dir.appendingPathComponent("texts.json")
        let output = dir.appendingPathComponent("ids.json")
        try JSONSerialization.data(withJSONObject: texts).write(to: input)
        let script = """
        import json, sys
        try:
            import tokenizers
        except ImportError:
            sys.exit(3)
        tok = tokenizers.Tokenizer.from_file(sys.argv[1])
        tok.no_truncation(); tok.no_padding()
        texts = json.load(open(sys.argv[2], encoding="utf-8"))
        json.dump([e.ids for e in tok.encode_batch(texts)], open(sys.argv[3], "w"))
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, path.path, input.path, output.path]
        process.standardError = Pipe()
        do { try process.run() } catch { throw XCTSkip("python3 is not available for the reference tokenizer") }
        process.waitUntilExit()
        if process.terminationStatus == 3 || (process.terminationStatus == 127) {
            throw XCTSkip("pip package tokenizers (the reference) is not installed: pip install tokenizers==0.23.3")
        }
        XCTAssertEqual(process.terminationStatus, 0, "reference tokenizer failed")
        let data = try Data(contentsOf: output)
        let rows = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [[NSNumber]])
        return rows.map { $0.map { Int32(truncating: $0) } }
    }

    private func compare(_ tokenizer: any TextTokenizer, reference path: URL, seed: UInt64, count: Int = 400) throws {
        // IRIS_DIFF_TEXTS raises the count for a longer soak run.
        let count = ProcessInfo.processInfo.environment["IRIS_DIFF_TEXTS"].flatMap { Int($0) } ?? count
        let texts = randomTexts(count: count, seed: seed)
        let expected = try referenceIds(tokenizerJSON: path, texts: texts)
        var mismatches = 0
        for (text, want) in zip(texts, expected) {
            let got = tokenizer.encode(text, truncate: false)
            if got != want {
                mismatches += 1
                if mismatches <= 5 { XCTFail("\(text.debugDescription): got \(got), reference \(want)") }
            }
        }
        XCTAssertEqual(mismatches, 0, "texts whose ids differ from the reference")
    }

    func testCLIPHubEraJSONAgainstReference() throws {
        try compare(SharedTokenizers.clip.get(), reference: Fixtures.clipBPE.appendingPathComponent("tokenizer.json"), seed: 1)
    }

    func testCLIPTokenizers023JSONAgainstReference() throws {
        let path = Fixtures.clipBPE.appendingPathComponent("tokenizer.tokenizers-0.23.json")
        try compare(SharedTokenizers.clip023.get(), reference: path, seed: 2)
    }

    /// The same vocabulary with other BertNormalizer settings (cased; lower-case without accent stripping;
    /// no CJK splitting), written as tokenizer.json variants.
    func testWordPieceNormalizerVariantsAgainstReference() throws {
        let original = try String(contentsOf: Fixtures.url("models/mclip-tiny/tokenizer.json"), encoding: .utf8)
        // The normalizer object (flat: no nested braces) is swapped textually; re-serialising the 30k-entry
        // vocabulary would dominate the test's time.
        let start = try XCTUnwrap(original.range(of: #""normalizer": {"#))
        let end = try XCTUnwrap(original.range(of: "}", range: start.upperBound..<original.endIndex))
        let variants = [
            #""clean_text": true, "handle_chinese_chars": true, "strip_accents": null, "lowercase": false"#,
            #""clean_text": true, "handle_chinese_chars": true, "strip_accents": false, "lowercase": true"#,
            #""clean_text": false, "handle_chinese_chars": false, "strip_accents": true, "lowercase": false"#,
        ]
        for (n, variant) in variants.enumerated() {
            let dir = try Fixtures.temporaryDirectory(self)
            let path = dir.appendingPathComponent("tokenizer.json")
            let text = original.replacingCharacters(in: start.lowerBound..<end.upperBound,
                                                    with: #""normalizer": {"type": "BertNormalizer", "# + variant + "}")
            try text.write(to: path, atomically: true, encoding: .utf8)
            try compare(WordPieceTokenizer(tokenizerJSON: path), reference: path, seed: 10 + UInt64(n), count: 150)
        }
    }

    func testWordPieceAgainstReference() throws {
        let dir = Fixtures.url("models/mclip-tiny")
        try compare(WordPieceTokenizer(directory: dir), reference: dir.appendingPathComponent("tokenizer.json"), seed: 3)
    }
}
