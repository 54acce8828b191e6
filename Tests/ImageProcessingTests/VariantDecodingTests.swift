import Foundation
import XCTest
@testable import ImageProcessing
import Hashing

/// Every variant in `PILVariantFixtures` decodes to PIL's RGB bytes.
final class VariantDecodingTests: XCTestCase {
    func testEveryVariantMatchesPIL() throws {
        XCTAssertGreaterThanOrEqual(PILVariantFixtures.all.count, 48)
        for variant in PILVariantFixtures.all {
            let image: RGBImage
            do {
                image = try ImageDecoder.decode(variant.data)
            } catch {
                XCTFail("\(variant.name) (\(variant.how)): \(error)")
                continue
            }
            XCTAssertEqual(image.width, variant.width, variant.name)
            XCTAssertEqual(image.height, variant.height, variant.name)
            XCTAssertEqual(SHA256.hex(image.pixels), variant.rgbSHA256, "\(variant.name): \(variant.how)")
        }
    }

    func testFormatIsSniffedFromBytesNotNames() throws {
        let expectations: [(String, ImageFormat)] = [
            ("jpeg_gray.jpg", .jpeg), ("png_la8.png", .png), ("gif_gray.gif", .gif), ("bmp_32.bmp", .bmp),
            ("webp_lossy.webp", .webp),
        ]
        for (name, format) in expectations {
            let variant = try XCTUnwrap(PILVariantFixtures.all.first { $0.name == name })
            XCTAssertEqual(ImageDecoder.format(of: variant.data), format, name)
        }
    }

    func testIndicesPastThePaletteFollowPillow10() throws {
        // png_palette_short: 5 PLTE entries, indices up to 6 -> gray (5,5,5)/(6,6,6) as in Pillow <= 10.
        let variant = try XCTUnwrap(PILVariantFixtures.all.first { $0.name == "png_palette_short.png" })
        XCTAssertNotNil(variant.pillow13SHA256)
        let image = try ImageDecoder.decode(variant.data)
        var seen = Set<[UInt8]>()
        for i in 0..<(image.width * image.height) { seen.insert(Array(image.pixels[(3 * i)..<(3 * i + 3)])) }
        XCTAssertTrue(seen.isSubset(of: [[10, 20, 30], [200, 100, 50], [0, 255, 0], [255, 255, 255], [90, 90, 90],
                                         [5, 5, 5], [6, 6, 6]]), "\(seen)")
        XCTAssertTrue(seen.contains([6, 6, 6]))
    }
}
