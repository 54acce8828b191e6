import Foundation
import XCTest
@testable import Tokenizers

/// The fast CLIP tokenizer's documented behaviours (fixtures README section 2), each on its own.
final class CLIPBehaviourTests: XCTestCase {
    private var tokenizer: CLIPTokenizer { get throws { try SharedTokenizers.clip.get() } }

    private func content(_ text: String) throws -> [Int32] {
        let ids = try tokenizer.encode(text, truncate: false)
        XCTAssertEqual(ids.first, 49406)
        XCTAssertEqual(ids.last, 49407)
        return Array(ids.dropFirst().dropLast())
    }

    func testKnownSentence() throws {
        XCTAssertEqual(try tokenizer.encode("a photo of a cat"), [49406, 320, 1125, 539, 320, 2368, 49407])
    }

    func testUnicodeWhitespaceCollapsesToOneSpace() throws {
        let plain = try content("a photo of a cat")
        XCTAssertEqual(try content("a\u{00A0}photo\u{3000}of\t\t a\r\ncat"), plain)
        XCTAssertEqual(try content("a\u{2003}photo\u{202F}of\u{0085}a\u{2028}cat"), plain)
    }

    func testControlAndInvisibleCharactersAreByteTokensNotWhitespace() throws {
        let tok = try tokenizer
        // U+0000, U+0007 and U+007F alone are one byte each -> the byte's end-of-word symbol.
        for (scalar, byte) in [("\u{0}", 0x00), ("\u{7}", 0x07), ("\u{7F}", 0x7F)] as [(String, UInt8)] {
            let expected = try XCTUnwrap(tok.id(of: ByteLevel.token(for: byte, suffix: "</w>")))
            XCTAssertEqual(try content(scalar), [expected], "U+\(String(byte, radix: 16))")
        }
        // U+200B (zero width space) is not \s: "a\u{200B}b" is not "a b"; its 3 UTF-8 bytes become a piece.
        XCTAssertNotEqual(try content("a\u{200B}b"), try content("a b"))
        let zwsp = try content("\u{200B}")
        XCTAssertFalse(zwsp.isEmpty)
        XCTAssertEqual(tok.tokens("\u{200B}").dropFirst().dropLast().joined(), "âĢĭ</w>")
    }

    func testDigitsAreOneTokenEach() throws {
        let tok = try tokenizer
        let digits = try "2024".map { try XCTUnwrap(tok.id(of: "\($0)</w>")) }
        XCTAssertEqual(try content("2024"), digits)
        XCTAssertEqual(try content("x 123").count, 1 + 3)
    }

    func testSpecialTokenStringsInTextBecomeSpecialIds() throws {
        XCTAssertEqual(try tokenizer.encode("<|startoftext|>hello<|endoftext|> world"),
                       [49406, 49406, 3306, 49407, 1002, 49407])
        // <|endoftext|> is matched in the raw text only (normalized=false in the hub-era file) ...
        XCTAssertFalse(try content("<|ENDOFTEXT|>").contains(49407))
        // ... <|startoftext|> after lower-casing (normalized=true).
        XCTAssertEqual(try content("<|STARTOFTEXT|>"), [49406])
    }

    func testEmptyAndWhitespaceOnly() throws {
        XCTAssertEqual(try tokenizer.encode(""), [49406, 49407])
        XCTAssertEqual(try tokenizer.encode(" \t\n\u{00A0}\u{3000} "), [49406, 49407])
    }

    func testLowercaseAndNFC() throws {
        XCTAssertEqual(try content("A PHOTO"), try content("a photo"))
        XCTAssertEqual(try content("cafe\u{301}"), try content("caf\u{E9}"))
    }

    func testContractionsAndPunctuationRuns() throws {
        let tok = try tokenizer
        XCTAssertEqual(tok.tokens("don't?!").dropFirst().dropLast(), ["don</w>", "'t</w>", "?!</w>"])
        XCTAssertEqual(tok.tokens("it'S").dropFirst().dropLast(), ["it</w>", "'s</w>"])
    }

    func testTruncationKeepsEndToken() throws {
        let tok = try tokenizer
        let text = Array(repeating: "cat", count: 100).joined(separator: " ")
        let full = tok.encode(text, truncate: false)
        XCTAssertEqual(full.count, 102)
        let cut = tok.encode(text)
        XCTAssertEqual(cut.count, 77)
        XCTAssertEqual(cut, [49406] + full[1...75] + [49407])
        // Exactly 77 is not cut.
        let exact = Array(repeating: "a", count: 75).joined(separator: " ")
        XCTAssertEqual(tok.encode(exact), tok.encode(exact, truncate: false))
    }

    func testMaxLengthOverride() throws {
        let short = try tokenizer.withMaxLength(5)
        XCTAssertEqual(short.maxLength, 5)
        XCTAssertEqual(short.encode("a photo of a cat"), [49406, 320, 1125, 539, 49407])
        XCTAssertEqual(try tokenizer.maxLength, 77)
        XCTAssertThrowsError(try tokenizer.withMaxLength(1))
    }

    func testCacheGivesSameIdsOnRepeatAndAcrossThreads() throws {
        let tok = try tokenizer
        let texts = (0..<64).map { "photo number \($0) of a cat, dog & 🍕 — naïve café" }
        let expected = texts.map { tok.encode($0) }
        var results = [[Int32]](repeating: [], count: texts.count)
        results.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            DispatchQueue.concurrentPerform(iterations: texts.count) { i in base[i] = tok.encode(texts[i]) }
        }
        XCTAssertEqual(results, expected)
    }

    func testPaddedBatch() throws {
        let batch = try tokenizer.encodePadded(batch: ["a photo of a cat", "dog"])
        XCTAssertEqual(batch.count, 2)
        XCTAssertEqual(batch.length, 7)
        XCTAssertEqual(batch.lengths, [7, 3])
        XCTAssertEqual(Array(batch.ids[7...]), [49406, 1929, 49407, 49407, 49407, 49407, 49407])
        XCTAssertEqual(Array(batch.attentionMask[7...]), [1, 1, 1, 0, 0, 0, 0])
    }
}

/// The two BPE merge strategies (scan for short words, priority queue for long ones) must agree.
final class BytePairMergeTests: XCTestCase {
    func testHeapMergeEqualsScanMerge() throws {
        let tokenizer = try SharedTokenizers.clip.get()
        let bpe = tokenizer.bytePairEncoder
        var generator = SeededGenerator(seed: 7)
        let alphabet = Array("aaabcdeeefghiilmnnoorrsstttuy'.-!é猫🍕".utf8)
        var words: [[UInt8]] = [Array("pneumonoultramicroscopicsilicovolcanoconiosis".utf8),
                                Array(repeating: UInt8(ascii: "a"), count: 200),
                                Array(String(repeating: "ab", count: 90).utf8)]
        for _ in 0..<150 {
            let length = 1 + Int(generator.next() % 120)
            words.append((0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
        }
        for word in words {
            let symbols = try word.indices.map { i -> Int32 in
                let token = ByteLevel.token(for: word[i], suffix: i == word.count - 1 ? "</w>" : "")
                return try XCTUnwrap(tokenizer.id(of: token))
            }
            XCTAssertEqual(bpe.mergeWithHeap(symbols), bpe.mergeByScanning(symbols), "\(word)")
        }
    }

    func testVeryLongWordIsTokenizedQuickly() throws {
        let tokenizer = try SharedTokenizers.clip.get()
        let blob = String(repeating: "supercalifragilistic", count: 2_000)   // 40,000 letters, no spaces
        let ids = tokenizer.encode(blob, truncate: false)
        XCTAssertGreaterThan(ids.count, 2_000)
        XCTAssertEqual(tokenizer.encode(blob).count, 77)
    }
}

/// SplitMix64, for reproducible random test input.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
