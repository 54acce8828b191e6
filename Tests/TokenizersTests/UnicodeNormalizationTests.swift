import Foundation
import XCTest
@testable import Tokenizers

/// The NFC/NFD fast paths skip Foundation for scalars in the "stable" ranges; check that claim against
/// Foundation itself (so a Unicode-data mismatch shows up here, not as a wrong token id).
final class UnicodeNormalizationTests: XCTestCase {
    private func sample(_ ranges: [ClosedRange<UInt32>]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        for r in ranges {
            let stride = r.count > 5000 ? 13 : 1
            for v in Swift.stride(from: r.lowerBound, through: r.upperBound, by: stride) {
                guard let s = Unicode.Scalar(v), s.properties.canonicalCombiningClass == .notReordered else { continue }
                out.append(s)
            }
        }
        return out
    }

    func testNFCStableRangesAgreeWithFoundation() {
        var failures: [String] = []
        for s in sample(UnicodeClass.nfcStableRanges) {
            XCTAssertTrue(UnicodeClass.isStable(s, in: UnicodeClass.nfcStableRanges))
            // Alone, and after a starter it could compose with if it were a second element.
            for text in [String(Character(s)), "e" + String(Character(s)), "\u{1100}" + String(Character(s))] {
                if text.precomposedStringWithCanonicalMapping.unicodeScalars.elementsEqual(text.unicodeScalars) == false {
                    failures.append(String(s.value, radix: 16))
                }
            }
        }
        XCTAssertEqual(failures, [], "scalars treated as NFC-stable that Foundation changes")
    }

    func testNFDStableRangesAgreeWithFoundation() {
        var failures: [String] = []
        for s in sample(UnicodeClass.nfdStableRanges) {
            let text = String(Character(s))
            if !text.decomposedStringWithCanonicalMapping.unicodeScalars.elementsEqual(text.unicodeScalars) {
                failures.append(String(s.value, radix: 16))
            }
        }
        XCTAssertEqual(failures, [], "scalars treated as NFD-stable that Foundation decomposes")
    }

    func testNormalisationStillHappensOutsideTheFastPath() {
        let composed = UnicodeClass.nfc(Array("cafe\u{301} \u{1100}\u{1161} \u{F900} \u{AC00}\u{11A8}".unicodeScalars))
        XCTAssertEqual(composed.map(\.value), [0x63, 0x61, 0x66, 0xE9, 0x20, 0xAC00, 0x20, 0x8C48, 0x20, 0xAC01])
        let decomposed = UnicodeClass.nfd(Array("é사".unicodeScalars))
        XCTAssertEqual(decomposed.map(\.value), [0x65, 0x301, 0x1109, 0x1161])
    }
}

/// NFD assembled from cached per-scalar decompositions plus canonical ordering must equal Foundation's NFD.
final class DecompositionTests: XCTestCase {
    func testNFDMatchesFoundationOnRandomMixedText() {
        let pool: [Unicode.Scalar] = Array("aeiouAEIOU çéÅñßﬁ사한글가각ḉǖǘṏ ΐ ᾷ ἀ ĳ Ω Å ē̃ e\u{301}\u{327}\u{323}\u{302}\u{31B}\u{344}\u{F900}\u{0958}\u{2126}\u{1E0B}\u{0323}\u{0307} がパ\u{3099}\u{309A} 猫🍕 \u{0BCA}\u{0DDA}\u{1100}\u{1161}\u{11A8}".unicodeScalars)
        var generator = SeededGenerator(seed: 11)
        for _ in 0..<500 {
            let length = Int(generator.next() % 12) + 1
            let scalars = (0..<length).map { _ in pool[Int(generator.next() % UInt64(pool.count))] }
            let expected = Array(UnicodeClass.string(scalars).decomposedStringWithCanonicalMapping.unicodeScalars)
            XCTAssertEqual(UnicodeClass.nfd(scalars).map(\.value), expected.map(\.value),
                           "\(scalars.map { String($0.value, radix: 16) })")
        }
    }
}

/// NFC and NFD against Python's unicodedata for every scalar it knows, each alone, followed by a likely
/// second half of a composition, and in random mixes. Skipped without python3.
final class NormalizationReferenceTests: XCTestCase {
    func testNFCAndNFDMatchPythonUnicodedata() throws {
        let dir = try Fixtures.temporaryDirectory(self)
        let out = dir.appendingPathComponent("cases.json")
        let script = """
        import unicodedata as u, json, random, sys
        random.seed(5)
        seconds = '\\u0301 \\u0308 \\u11A8 \\u1161 \\u0BBE \\u093C \\u3099 \\u0327 \\u0345 \\u05B4 \\u0CD5 \\u1B35 \\u0DCF'.encode().decode('unicode_escape').split()
        assigned = [cp for cp in range(0x110000) if u.category(chr(cp)) not in ('Cn', 'Cs', 'Co')]
        # Every assigned scalar except that CJK ideographs (no decompositions) are sampled.
        cases = [chr(cp) for cp in assigned if not ('CJK UNIFIED' in u.name(chr(cp), '') and cp % 8)]
        cases += [chr(cp) + random.choice(seconds) for cp in random.sample(assigned, 10000)]
        marks = [chr(cp) for cp in assigned if u.combining(chr(cp))]
        pick = lambda: random.choice([chr(random.choice(assigned)), random.choice(marks), random.choice(seconds), chr(random.randint(0xAC00, 0xD7A3))])
        cases += [''.join(pick() for _ in range(random.randint(1, 6))) for _ in range(5000)]
        json.dump({'cases': cases, 'nfc': [u.normalize('NFC', s) for s in cases], 'nfd': [u.normalize('NFD', s) for s in cases]},
                  open(sys.argv[1], 'w'))
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, out.path]
        do { try process.run() } catch { throw XCTSkip("python3 is not available for the unicodedata reference") }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw XCTSkip("python3 could not produce the unicodedata reference") }
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out)) as? [String: [String]])
        let cases = try XCTUnwrap(object["cases"]), nfc = try XCTUnwrap(object["nfc"]), nfd = try XCTUnwrap(object["nfd"])
        var nfcBad: [String] = [], nfdBad: [String] = []
        for (i, text) in cases.enumerated() {
            let scalars = Array(text.unicodeScalars)
            let hex = scalars.map { String($0.value, radix: 16) }.joined(separator: " ")
            if !UnicodeClass.nfc(scalars).elementsEqual(nfc[i].unicodeScalars) { nfcBad.append(hex) }
            if !UnicodeClass.nfd(scalars).elementsEqual(nfd[i].unicodeScalars) { nfdBad.append(hex) }
        }
        XCTAssertGreaterThan(cases.count, 60_000)
        XCTAssertEqual(Array(nfcBad.prefix(10)), [], "\(nfcBad.count) NFC differences")
        XCTAssertEqual(Array(nfdBad.prefix(10)), [], "\(nfdBad.count) NFD differences")
    }
}
