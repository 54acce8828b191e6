import Foundation
import XCTest
import Hashing

/// SHA-1 against the FIPS 180 examples (and hashlib for the 896-bit one), and the UUID v5 `iris import` builds on it.
final class SHA1Tests: XCTestCase {
    func testFIPS180Vectors() {
        XCTAssertEqual(SHA1.hex([]), "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        XCTAssertEqual(SHA1.hex(Array("abc".utf8)), "a9993e364706816aba3e25717850c26c9cd0d89d")
        XCTAssertEqual(SHA1.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        let twoBlocks = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
        XCTAssertEqual(SHA1.hex(Array(twoBlocks.utf8)), "a49b2446a02c645bf419f995b67091253a04a259")
        XCTAssertEqual(SHA1.hex([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)), "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
    }

    func testPaddingEdgesMatchAcrossBlockBoundaries() {
        // 55, 56 and 64 bytes put the length field in the same block, the next one, and after a full block.
        let expected = ["c1c8bbdc22796e28c0e15163d20899b65621d65a", "c2db330f6083854c99d4b5bfb6e8f29f201be699",
                        "0098ba824b5c16427bd7a1122a5a442a25ec644d"]
        for (n, digest) in zip([55, 56, 64], expected) {
            XCTAssertEqual(SHA1.hex([UInt8](repeating: UInt8(ascii: "a"), count: n)), digest, "\(n) bytes")
        }
    }

    func testUUIDv5MatchesPython() {
        // uuid.uuid5(uuid.NAMESPACE_DNS, "python.org"), the example of Python's uuid documentation.
        let dns = UUID(uuidString: "6ba7b810-9dad-11d1-80b4-00c04fd430c8")!
        XCTAssertEqual(SHA1.uuidV5(namespace: dns, name: "python.org").uuidString.lowercased(), "886313e1-3b8a-5372-9b90-0c9aee199e5d")
        let imports = UUID(uuidString: "2b5e0c52-6d5c-5b42-9b6a-5d1c3f0a1e7e")!
        XCTAssertEqual(SHA1.uuidV5(namespace: imports, name: "set0/a.jpg").uuidString.lowercased(), "147117fa-7d35-5c24-a2e7-6c5739934597")
    }
}
