import Foundation
import XCTest
@testable import ImageProcessing

final class PreprocessorConfigTests: XCTestCase {
    private func config(_ json: String) throws -> CLIPPreprocessorConfig {
        try CLIPPreprocessorConfig(json: Data(json.utf8))
    }

    func testLegacyFixtureConfig() throws {
        let c = try CLIPPreprocessorConfig(contentsOf: Fixtures.url("models/clip-tiny/0_CLIPModel/preprocessor_config.json"))
        XCTAssertEqual(c.size, .shortestEdge(224))
        XCTAssertEqual([c.cropWidth, c.cropHeight], [224, 224])
        XCTAssertEqual(c.resample, .bicubic)
        XCTAssertTrue(c.doResize && c.doCenterCrop && c.doNormalize && c.doRescale)
        XCTAssertEqual(c.imageMean, CLIPPreprocessorConfig.openAICLIPMean)
        XCTAssertEqual(c.imageStd, CLIPPreprocessorConfig.openAICLIPStd)
        XCTAssertEqual(c.rescaleFactor, 1.0 / 255.0, accuracy: 1e-15)
    }

    func testNewerDictionaryForms() throws {
        let c = try config("""
            {"size": {"shortest_edge": 256}, "crop_size": {"height": 240, "width": 200}, "resample": 2,
             "do_normalize": false, "rescale_factor": 0.5}
            """)
        XCTAssertEqual(c.size, .shortestEdge(256))
        XCTAssertEqual([c.cropWidth, c.cropHeight], [200, 240])
        XCTAssertEqual(c.resample, .bilinear)
        let p = CLIPImagePreprocessor(config: c)
        XCTAssertEqual(p.resizedSize(width: 451, height: 300).width, 384)  // int(256 * 451 / 300) = 384
        XCTAssertEqual(p.resizedSize(width: 300, height: 451).height, 384)
        let image = RGBImage(width: 451, height: 300, pixels: [UInt8](repeating: 100, count: 451 * 300 * 3))
        let pixels = p.pixelValues(image)
        XCTAssertEqual(pixels.count, 3 * 240 * 200)
        XCTAssertTrue(pixels.allSatisfy { $0 == 50 })  // rescale only: 100 * 0.5

        let exact = try config(#"{"size": {"height": 100, "width": 50}, "do_center_crop": false}"#)
        XCTAssertEqual(exact.size, .exact(width: 50, height: 100))
        XCTAssertTrue(CLIPImagePreprocessor(config: exact).outputSize(width: 451, height: 300) == (50, 100))
    }

    func testCropLargerThanTheImageIsZeroPaddedLikeTransformers() throws {
        var c = try config(#"{"size": {"height": 50, "width": 100}, "crop_size": 224}"#)
        c.doNormalize = false
        c.doRescale = false
        let p = CLIPImagePreprocessor(config: c)
        let image = RGBImage(width: 100, height: 50, pixels: [UInt8](repeating: 9, count: 100 * 50 * 3))
        let crop = p.resizedAndCropped(image)
        XCTAssertEqual([crop.width, crop.height], [224, 224])
        // top pad = ceil((224 - 50) / 2) = 87, left pad = 62
        XCTAssertTrue(crop[0, 0] == (0, 0, 0))
        XCTAssertTrue(crop[62, 87] == (9, 9, 9))
        XCTAssertTrue(crop[161, 136] == (9, 9, 9))
        XCTAssertTrue(crop[162, 136] == (0, 0, 0))
        XCTAssertTrue(crop[161, 137] == (0, 0, 0))
        XCTAssertTrue(crop[61, 87] == (0, 0, 0))
        let pixels = p.pixelValues(image)
        XCTAssertEqual(pixels[0], 0)
        XCTAssertEqual(pixels[87 * 224 + 62], 9)
    }

    func testEmptyImageGivesPaddingNotACrash() {
        let p = CLIPImagePreprocessor()
        let pixels = p.pixelValues(RGBImage(width: 0, height: 0))
        XCTAssertEqual(pixels.count, 3 * 224 * 224)
        XCTAssertEqual(pixels[0], Float((0 - Float(0.48145466)) / Float(0.26862954)), accuracy: 1e-6)
    }

    func testInvalidConfigs() {
        XCTAssertThrowsError(try config("[1, 2]"))
        XCTAssertThrowsError(try config("not json"))
        XCTAssertThrowsError(try config(#"{"size": "big"}"#))
        XCTAssertThrowsError(try config(#"{"size": {"longest_edge": 3}}"#))
        XCTAssertThrowsError(try config(#"{"crop_size": 0}"#))
        XCTAssertThrowsError(try config(#"{"resample": 9}"#)) { error in
            XCTAssertTrue("\(error)".contains("resample"))
        }
        XCTAssertThrowsError(try config(#"{"image_mean": [0.5, 0.5]}"#))
        XCTAssertThrowsError(try config(#"{"image_std": [0, 1, 1]}"#))
        XCTAssertThrowsError(try CLIPImagePreprocessor(configFile: URL(fileURLWithPath: "/nonexistent/preprocessor_config.json"))) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/preprocessor_config.json"))
        }
    }

    func testValuesSetInSwiftAreValidatedToo() throws {
        var c = CLIPPreprocessorConfig()
        XCTAssertNoThrow(try c.validate())
        c.imageMean = [0.5]
        XCTAssertThrowsError(try c.validate())
        c = CLIPPreprocessorConfig()
        c.cropWidth = 0
        XCTAssertThrowsError(try c.validate())
        c = CLIPPreprocessorConfig()
        c.size = .exact(width: 10, height: -1)
        XCTAssertThrowsError(try c.validate())
        c = CLIPPreprocessorConfig()
        c.imageStd = [1, .nan, 1]
        XCTAssertThrowsError(try c.validate())
        let custom = CLIPImagePreprocessor(shortestEdge: 336, cropSize: 336)
        XCTAssertTrue(custom.outputSize(width: 640, height: 427) == (336, 336))
    }

    func testCropOutsideTheImageIsBlackLikePIL() {
        let image = RGBImage(width: 2, height: 2, pixels: [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4])
        let crop = ImageResizer.crop(image, PixelRect(x: -1, y: 1, width: 3, height: 2))
        XCTAssertEqual(crop.pixels, [0, 0, 0, 3, 3, 3, 4, 4, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(ImageResizer.resize(image, width: 4, height: 4, filter: .bilinear,
                                           window: PixelRect(x: 3, y: 3, width: 5, height: 5)).width, 1)
    }

    func testDefaultsEqualTheFixtureConfig() throws {
        let fromFile = try CLIPPreprocessorConfig(contentsOf: Fixtures.url("models/clip-tiny/0_CLIPModel/preprocessor_config.json"))
        XCTAssertEqual(CLIPImagePreprocessor().config, fromFile)
    }
}
