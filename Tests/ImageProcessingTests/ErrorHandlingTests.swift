import Foundation
import XCTest
@testable import ImageProcessing

/// Bad input gives a descriptive `ImageDecodingError`, never a crash.
final class ErrorHandlingTests: XCTestCase {
    private func decodeError(_ data: Data, maxPixels: Int = ImageDecoder.defaultMaxPixels,
                             file: StaticString = #filePath, line: UInt = #line) -> ImageDecodingError? {
        do {
            let image = try ImageDecoder(maxPixels: maxPixels).decode(data)
            XCTFail("decoded a \(image.width)x\(image.height) image from bad input", file: file, line: line)
            return nil
        } catch let error as ImageDecodingError {
            XCTAssertFalse(error.description.isEmpty, file: file, line: line)
            return error
        } catch {
            XCTFail("unexpected error type \(error)", file: file, line: line)
            return nil
        }
    }

    private func isCorrupt(_ error: ImageDecodingError?, _ format: ImageFormat) -> Bool {
        if case .corruptData(let f, _) = error { return f == format }
        return false
    }

    private func isTooLarge(_ error: ImageDecodingError?, _ format: ImageFormat) -> Bool {
        if case .tooLarge(let f, _, _, _) = error { return f == format }
        return false
    }

    func testEmptyData() {
        XCTAssertEqual(decodeError(Data()), .emptyData)
        XCTAssertEqual(ImageDecodingError.emptyData.localizedDescription, "image data is empty")
    }

    func testRandomBytesAreAnUnsupportedFormat() {
        var generator = SplitMix64(seed: 42)
        for length in [1, 7, 100, 5000] {
            var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            bytes[0] = 0x00  // no magic can start with 0x00 0x13...
            if length > 1 { bytes[1] = 0x13 }
            XCTAssertEqual(decodeError(Data(bytes)), .unsupportedFormat(detected: nil), "\(length) random bytes")
        }
    }

    func testRecognisedButUnsupportedFormatsAreNamed() {
        let tiff = Data([0x49, 0x49, 0x2A, 0x00, 0x08, 0x00, 0x00, 0x00, 0, 0])
        XCTAssertEqual(decodeError(tiff), .unsupportedFormat(detected: "TIFF"))
        let avif = Data([0, 0, 0, 0x1C] + Array("ftypavif".utf8) + [0, 0, 0, 0])
        XCTAssertEqual(decodeError(avif), .unsupportedFormat(detected: "AVIF"))
        XCTAssertTrue(ImageDecodingError.unsupportedFormat(detected: "TIFF").description.contains("TIFF"))
    }

    func testTruncatedFilesOfEveryFormat() throws {
        let files: [(String, ImageFormat)] = [
            ("images/rocket.jpg", .jpeg), ("images/variant_progressive.jpg", .jpeg), ("images/variant_cmyk.jpg", .jpeg),
            ("images/chelsea.png", .png), ("images/variant_anim.gif", .gif), ("images/variant_lossless.webp", .webp),
            ("images/variant_rocket.bmp", .bmp),
        ]
        for (path, format) in files {
            let data = try Fixtures.data(path)
            // variant_anim.gif's first frame ends before the middle of the file (PIL decodes those cuts too).
            let cuts = format == .gif ? [data.count / 4, 30, 12] : [data.count / 2, data.count - 200, 30, 12]
            for keep in cuts {
                let error = decodeError(data.prefix(keep))
                XCTAssertTrue(isCorrupt(error, format), "\(path) cut to \(keep) bytes: \(String(describing: error))")
            }
        }
        // Like PIL: a GIF cut after its first frame still gives that frame ...
        let gif = try Fixtures.data("images/variant_anim.gif")
        XCTAssertEqual(try ImageDecoder.decode(gif.prefix(gif.count / 2)), try ImageDecoder.decode(gif))
        // ... while a JPEG that loses only its EOI marker is "truncated".
        let rocket = try Fixtures.data("images/rocket.jpg")
        XCTAssertTrue(isCorrupt(decodeError(rocket.prefix(rocket.count - 2)), .jpeg))
    }

    func testMagicFollowedByGarbage() {
        var generator = SplitMix64(seed: 7)
        let garbage = (0..<300).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let prefixes: [([UInt8], ImageFormat)] = [
            ([0xFF, 0xD8, 0xFF], .jpeg), ([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], .png),
            (Array("GIF89a".utf8), .gif), (Array("BM".utf8), .bmp), (Array("RIFF\u{0}\u{0}\u{0}\u{0}WEBP".utf8), .webp),
        ]
        for (magic, format) in prefixes {
            let error = decodeError(Data(magic + garbage))
            switch error {
            case .corruptData(let f, _), .unsupportedFeature(let f, _), .tooLarge(let f, _, _, _): XCTAssertEqual(f, format)
            default: XCTFail("\(format): \(String(describing: error))")
            }
        }
    }

    /// Corrupting bytes inside real files must never crash: either a clean error or some image.
    func testCorruptedBytesNeverCrash() throws {
        var generator = SplitMix64(seed: 99)
        for path in ["images/rocket.jpg", "images/variant_progressive.jpg", "images/variant_palette.png",
                     "images/variant_anim.gif", "images/variant_lossless.webp", "images/variant_rocket.bmp"] {
            let original = try Fixtures.data(path)
            for _ in 0..<6 {
                var bytes = [UInt8](original)
                for _ in 0..<20 {
                    let at = 20 + Int(generator.next() % UInt64(bytes.count - 20))
                    bytes[at] = UInt8(truncatingIfNeeded: generator.next())
                }
                do {
                    let image = try ImageDecoder.decode(Data(bytes))
                    XCTAssertEqual(image.pixels.count, image.width * image.height * 3)
                } catch let error as ImageDecodingError {
                    XCTAssertFalse(error.description.isEmpty)
                }
            }
        }
    }

    // MARK: Decompression bombs: refused from the header, before the pixel buffer exists.

    func testConfigurableLimitOnRealFiles() throws {
        let files: [(String, ImageFormat, Int, Int)] = [
            ("images/rocket.jpg", .jpeg, 640, 427), ("images/chelsea.png", .png, 451, 300),
            ("images/variant_anim.gif", .gif, 451, 300), ("images/variant_lossless.webp", .webp, 320, 320),
            ("images/variant_rocket.bmp", .bmp, 321, 214),
        ]
        for (path, format, width, height) in files {
            let data = try Fixtures.data(path)
            XCTAssertEqual(decodeError(data, maxPixels: width * height - 1),
                           .tooLarge(format: format, width: width, height: height, limit: width * height - 1), path)
            XCTAssertNoThrow(try ImageDecoder(maxPixels: width * height).decode(data), path)
        }
    }

    func testHugePNGHeader() {
        // A valid signature + IHDR claiming 100000 x 100000 (10^10 pixels), then nothing.
        var ihdr = [UInt8]()
        ihdr += bigEndian(100_000) + bigEndian(100_000) + [8, 2, 0, 0, 0]
        let png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr) + chunk("IEND", [])
        let error = decodeError(Data(png))
        XCTAssertEqual(error, .tooLarge(format: .png, width: 100_000, height: 100_000, limit: ImageDecoder.defaultMaxPixels))
        XCTAssertTrue(error?.description.contains("decompression bomb") ?? false)
    }

    func testHugeJPEGHeader() throws {
        var bytes = [UInt8](try Fixtures.data("images/rocket.jpg"))
        // Walk the markers to the SOF segment and claim 60000 x 60000.
        var i = 2
        while i + 9 < bytes.count, bytes[i] == 0xFF {
            let marker = bytes[i + 1]
            let length = Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
            if (0xC0...0xC2).contains(marker) {
                bytes[i + 5] = 0xEA; bytes[i + 6] = 0x60  // height 60000
                bytes[i + 7] = 0xEA; bytes[i + 8] = 0x60  // width 60000
                break
            }
            i += 2 + length
        }
        XCTAssertTrue(isTooLarge(decodeError(Data(bytes)), .jpeg))
    }

    func testHugeGIFAndBMPHeaders() throws {
        var gif = [UInt8](try Fixtures.data("images/variant_anim.gif"))
        gif[6] = 0xFF; gif[7] = 0xFF; gif[8] = 0xFF; gif[9] = 0xFF  // logical screen 65535 x 65535
        XCTAssertEqual(decodeError(Data(gif)), .tooLarge(format: .gif, width: 65535, height: 65535, limit: ImageDecoder.defaultMaxPixels))

        var bmp = [UInt8](try Fixtures.data("images/variant_rocket.bmp"))
        bmp.replaceSubrange(18..<26, with: littleEndian(70_000) + littleEndian(70_000))
        XCTAssertEqual(decodeError(Data(bmp)), .tooLarge(format: .bmp, width: 70_000, height: 70_000, limit: ImageDecoder.defaultMaxPixels))
    }

    func testHugeWebPCanvas() {
        // VP8X (animation flag) with a 20000 x 20000 canvas, then an ANIM chunk and no frames.
        var vp8x: [UInt8] = [0x02, 0, 0, 0]
        vp8x += littleEndian24(20_000 - 1) + littleEndian24(20_000 - 1)
        let anim: [UInt8] = [0, 0, 0, 0, 0, 0]
        let body = Array("WEBP".utf8) + riff("VP8X", vp8x) + riff("ANIM", anim)
        let file = Array("RIFF".utf8) + littleEndian(UInt32(body.count)) + body
        XCTAssertEqual(decodeError(Data(file)),
                       .tooLarge(format: .webp, width: 20_000, height: 20_000, limit: ImageDecoder.defaultMaxPixels))
    }

    // MARK: helpers

    private func bigEndian(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    private func littleEndian(_ v: UInt32) -> [UInt8] { bigEndian(v).reversed() }
    private func littleEndian24(_ v: UInt32) -> [UInt8] { Array(littleEndian(v).prefix(3)) }
    private func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + body + bigEndian(CRC32.checksum(body))
    }
    private func riff(_ type: String, _ data: [UInt8]) -> [UInt8] {
        Array(type.utf8) + littleEndian(UInt32(data.count)) + data + (data.count % 2 == 1 ? [0] : [])
    }
}

/// Deterministic pseudo-random numbers for test inputs.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// CRC-32 (PNG chunks).
enum CRC32 {
    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
        }
        return ~crc
    }
}
