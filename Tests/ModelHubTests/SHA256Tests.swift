import Foundation
import XCTest
@testable import ModelHub
import Hashing

final class SHA256Tests: XCTestCase {
    func testKnownVectors() {
        XCTAssertEqual(SHA256.hex(of: Data()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(of: Data("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(
            SHA256.hex(of: Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func testMillionAInUnevenChunks() {
        // Feeding in odd-sized pieces exercises the partial-block buffering.
        var hasher = SHA256()
        let piece = [UInt8](repeating: UInt8(ascii: "a"), count: 997)
        var fed = 0
        while fed < 1_000_000 {
            let n = min(piece.count, 1_000_000 - fed)
            hasher.update(Array(piece[0..<n]))
            fed += n
        }
        XCTAssertEqual(hasher.hexDigest(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testFixtureFileMatchesSha256sum() throws {
        let file = Fixtures.models.appendingPathComponent("clip-tiny/0_CLIPModel/model.safetensors")
        let expected = try Fixtures.sha256sum(file)
        XCTAssertEqual(try SHA256.hex(ofFileAt: file), expected)
    }
}
