import Foundation
import XCTest
@testable import ImageProcessing
import Hashing

/// Every fixture image against golden/clip-tiny.json: PIL's decoded RGB bytes, the 224x224 uint8 crop and the
/// float32 pixel tensor.
final class GoldenParityTests: XCTestCase {
    func testSHA256Helper() {
        XCTAssertEqual(SHA256.hex([]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func testEveryImageDecodesToPILsBytes() throws {
        let images = try Fixtures.goldenImages()
        XCTAssertEqual(images.count, 17)
        for golden in images {
            let image = try ImageDecoder.decode(try Fixtures.data(golden.file))
            XCTAssertEqual([image.width, image.height], golden.sizeWH, golden.name)
            XCTAssertEqual(SHA256.hex(image.pixels), golden.decodedSHA256, "decoded RGB of \(golden.name)")
        }
    }

    func testEveryCropAndPixelTensorMatches() throws {
        let preprocessor = try CLIPImagePreprocessor(configFile: Fixtures.url("models/clip-tiny/0_CLIPModel/preprocessor_config.json"))
        for golden in try Fixtures.goldenImages() {
            let image = try ImageDecoder.decode(try Fixtures.data(golden.file))
            let resized = preprocessor.resizedSize(width: image.width, height: image.height)
            XCTAssertEqual([resized.width, resized.height], golden.resizedWH, golden.name)

            let crop = preprocessor.resizedAndCropped(image)
            XCTAssertEqual([crop.width, crop.height], [224, 224], golden.name)
            XCTAssertEqual(SHA256.hex(crop.pixels), golden.croppedSHA256, "uint8 crop of \(golden.name)")

            let pixels = preprocessor.pixelValues(fromResizedAndCropped: crop)
            let expected = try Fixtures.floats(golden.pixelsFile)
            XCTAssertEqual(pixels.count, 3 * 224 * 224)
            XCTAssertEqual(expected.count, pixels.count)
            var maxDiff: Float = 0
            for i in 0..<min(pixels.count, expected.count) { maxDiff = max(maxDiff, abs(pixels[i] - expected[i])) }
            XCTAssertLessThanOrEqual(maxDiff, 1e-5, "pixel tensor of \(golden.name)")
            for i in 0..<8 { XCTAssertEqual(pixels[i], golden.pixelsFirst8[i], accuracy: 1e-6, golden.name) }
        }
    }

    /// The crop window computed alone equals a full resize followed by cropping.
    func testWindowedResizeEqualsFullResizeThenCrop() throws {
        let image = try ImageDecoder.decode(try Fixtures.data("images/variant_wide.jpg"))
        let full = ImageResizer.resize(image, width: 6720, height: 224, filter: .bicubic)
        let window = PixelRect(x: 3248, y: 0, width: 224, height: 224)
        let direct = ImageResizer.resize(image, width: 6720, height: 224, filter: .bicubic, window: window)
        XCTAssertEqual(direct, ImageResizer.crop(full, window))
        let rocket = try ImageDecoder.decode(try Fixtures.data("images/rocket.jpg"))
        for filter in ResampleFilter.allCases {
            let whole = ImageResizer.resize(rocket, width: 301, height: 190, filter: filter)
            let part = PixelRect(x: 17, y: 33, width: 101, height: 77)
            XCTAssertEqual(ImageResizer.resize(rocket, width: 301, height: 190, filter: filter, window: part),
                           ImageResizer.crop(whole, part), "\(filter)")
        }
    }

    func testBatchSlotWriterMatchesArrayAPI() throws {
        let preprocessor = CLIPImagePreprocessor()
        let image = try ImageDecoder.decode(try Fixtures.data("images/chelsea.png"))
        var batch = [Float](repeating: .nan, count: 2 * 3 * 224 * 224)
        batch.withUnsafeMutableBufferPointer { buffer in
            let slot = UnsafeMutableBufferPointer(rebasing: buffer[(3 * 224 * 224)...])
            let size = preprocessor.pixelValues(image, into: slot)
            XCTAssertEqual(size.width, 224)
        }
        XCTAssertEqual(Array(batch[(3 * 224 * 224)...]), preprocessor.pixelValues(image))
        XCTAssertEqual(preprocessor.pixelValues(image),
                       preprocessor.pixelValues(fromResizedAndCropped: preprocessor.resizedAndCropped(image)))
        XCTAssertTrue(batch[0].isNaN)

        let other = try ImageDecoder.decode(try Fixtures.data("images/variant_wide.jpg"))
        let both = try XCTUnwrap(preprocessor.batchPixelValues([image, other]))
        XCTAssertEqual(both, preprocessor.pixelValues(image) + preprocessor.pixelValues(other))
        var noCrop = CLIPPreprocessorConfig()
        noCrop.doCenterCrop = false
        XCTAssertNil(CLIPImagePreprocessor(config: noCrop).batchPixelValues([image, other]))
    }
}
