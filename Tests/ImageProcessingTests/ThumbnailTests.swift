import Foundation
import ImageProcessing
import XCTest

/// The console's thumbnails: JPEG bytes, the fitted size (aspect kept, never enlarged) and round trips through
/// the decoder on the fixture photos.
final class ThumbnailTests: XCTestCase {
    private func gradient(width: Int, height: Int) -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                pixels[i] = UInt8(x * 255 / max(1, width - 1))
                pixels[i + 1] = UInt8(y * 255 / max(1, height - 1))
                pixels[i + 2] = 128
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    private func isJPEG(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertGreaterThan(bytes.count, 4, file: file, line: line)
        XCTAssertEqual(Array(bytes.prefix(3)), [0xFF, 0xD8, 0xFF], "SOI marker", file: file, line: line)
        XCTAssertEqual(Array(bytes.suffix(2)), [0xFF, 0xD9], "EOI marker", file: file, line: line)
    }

    func testEncodedJPEGDecodesToTheSameSizeAndNearlyTheSamePixels() throws {
        let image = gradient(width: 97, height: 41)
        let jpeg = try JPEGEncoder.encode(image, quality: 90)
        isJPEG(jpeg)
        XCTAssertEqual(ImageDecoder.format(of: Data(jpeg)), .jpeg)
        let back = try ImageDecoder.decode(Data(jpeg))
        XCTAssertEqual(back.width, 97)
        XCTAssertEqual(back.height, 41)
        var total = 0
        for (a, b) in zip(image.pixels, back.pixels) { total += abs(Int(a) - Int(b)) }
        XCTAssertLessThan(Double(total) / Double(image.pixels.count), 3.0, "mean absolute error of a smooth gradient at q90")
    }

    func testQualityChangesTheSize() throws {
        let image = try ImageDecoder.decode(try Fixtures.data("images/chelsea.png"))
        let low = try JPEGEncoder.encode(image, quality: 30), high = try JPEGEncoder.encode(image, quality: 95)
        isJPEG(low)
        isJPEG(high)
        XCTAssertLessThan(low.count, high.count)
    }

    func testEmptyImageIsRefused() {
        XCTAssertThrowsError(try JPEGEncoder.encode(RGBImage(width: 0, height: 0)))
    }

    func testFittedSizeKeepsTheAspectAndNeverEnlarges() {
        func fit(_ w: Int, _ h: Int, _ m: Int = 256) -> [Int] {
            let s = Thumbnailer.fittedSize(width: w, height: h, maxSide: m)
            return [s.width, s.height]
        }
        XCTAssertEqual(fit(640, 427), [256, 171])   // 427 * 0.4 = 170.8
        XCTAssertEqual(fit(427, 640), [171, 256])
        XCTAssertEqual(fit(1200, 40), [256, 9])     // 8.53
        XCTAssertEqual(fit(512, 512), [256, 256])
        XCTAssertEqual(fit(100, 50), [100, 50])     // smaller than the box: unchanged
        XCTAssertEqual(fit(256, 10), [256, 10])
        XCTAssertEqual(fit(1, 1), [1, 1])
        XCTAssertEqual(fit(100_000, 3), [256, 1])   // a sliver keeps one row
        XCTAssertEqual(fit(640, 427, 64), [64, 43]) // 42.7
    }

    func testThumbnailsOfTheFixturePhotos() throws {
        // (file, source size) from the fixtures' README.
        let cases: [(String, Int, Int)] = [
            ("astronaut.png", 320, 320), ("chelsea.png", 451, 300), ("rocket.jpg", 640, 427), ("horse.png", 400, 328),
            ("camera.png", 512, 512), ("variant_wide.jpg", 1200, 40), ("variant_1x1.png", 1, 1),
            ("variant_cmyk.jpg", 451, 300), ("variant_lossless.webp", 320, 320), ("variant_anim.gif", 451, 300),
            ("variant_rocket.bmp", 321, 214),
        ]
        for (file, width, height) in cases {
            let data = try Fixtures.data("images/\(file)")
            let thumbnail = try Thumbnailer(maxSide: 256).thumbnail(of: data)
            isJPEG(thumbnail.jpeg)
            XCTAssertEqual([thumbnail.sourceWidth, thumbnail.sourceHeight], [width, height], file)
            let expected = Thumbnailer.fittedSize(width: width, height: height, maxSide: 256)
            XCTAssertEqual([thumbnail.width, thumbnail.height], [expected.width, expected.height], file)
            XCTAssertEqual(max(thumbnail.width, thumbnail.height), min(256, max(width, height)), file)
            // Aspect ratio within the rounding of one pixel.
            let ratio = Double(width) / Double(height)
            XCTAssertEqual(Double(thumbnail.width) / Double(thumbnail.height), ratio,
                           accuracy: ratio * 1.0 / Double(min(thumbnail.width, thumbnail.height)), file)
            let decoded = try ImageDecoder.decode(Data(thumbnail.jpeg))
            XCTAssertEqual([decoded.width, decoded.height], [thumbnail.width, thumbnail.height], file)
            XCTAssertLessThan(thumbnail.jpeg.count, 40_000, "\(file): a thumbnail is kilobytes")
        }
    }

    /// A big JPEG is decoded at a reduced DCT scale (here 1/4: 600 x 400 still leaves twice 256 to resample
    /// from) and the thumbnail matches, within JPEG noise, one resampled from the full decode.
    func testBigJPEGsAreDecodedAtAReducedScale() throws {
        var pixels = gradient(width: 2400, height: 1600).pixels
        for i in stride(from: 0, to: pixels.count, by: 3) { pixels[i + 2] = UInt8((i / 3) % 7 * 30) }  // fine detail
        let image = RGBImage(width: 2400, height: 1600, pixels: pixels)
        let jpeg = Data(try JPEGEncoder.encode(image, quality: 90))
        let preview = try ImageDecoder().decodePreview(jpeg, minSide: 512)
        XCTAssertEqual([preview.image.width, preview.image.height, preview.sourceWidth, preview.sourceHeight], [600, 400, 2400, 1600])
        XCTAssertEqual(try ImageDecoder().decodePreview(jpeg, minSide: 2000).image.width, 2400)  // 1/2 would be too small
        XCTAssertEqual(try ImageDecoder().decodePreview(jpeg, minSide: 100).image.width, 300)   // 1/8 at most

        let thumbnail = try Thumbnailer(maxSide: 256).thumbnail(of: jpeg)
        XCTAssertEqual([thumbnail.width, thumbnail.height, thumbnail.sourceWidth, thumbnail.sourceHeight], [256, 171, 2400, 1600])
        let full = ImageResizer.resize(try ImageDecoder.decode(jpeg), width: 256, height: 171, filter: .bicubic)
        let got = try ImageDecoder.decode(Data(thumbnail.jpeg))
        var total = 0
        for (a, b) in zip(full.pixels, got.pixels) { total += abs(Int(a) - Int(b)) }
        XCTAssertLessThan(Double(total) / Double(full.pixels.count), 4.0, "mean absolute difference from the full-decode thumbnail")
    }

    func testThumbnailLooksLikeTheSource() throws {
        // The mean colour survives resizing and encoding (a swapped channel or row stride would not).
        let data = try Fixtures.data("images/coffee.png")
        let source = try ImageDecoder.decode(data)
        let small = try ImageDecoder.decode(Data(try Thumbnailer(maxSide: 128).thumbnail(of: data).jpeg))
        func means(_ image: RGBImage) -> [Double] {
            var sums = [0.0, 0.0, 0.0]
            for (i, v) in image.pixels.enumerated() { sums[i % 3] += Double(v) }
            return sums.map { $0 / Double(image.width * image.height) }
        }
        for (a, b) in zip(means(source), means(small)) { XCTAssertEqual(a, b, accuracy: 3.0) }
    }

    func testUnreadableBytesThrowTheDecoderError() {
        XCTAssertThrowsError(try Thumbnailer().thumbnail(of: Data("not an image".utf8))) { error in
            XCTAssertTrue(error is ImageDecodingError, "\(error)")
        }
        XCTAssertThrowsError(try Thumbnailer().thumbnail(of: Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 16]))) { error in
            XCTAssertTrue(error is ImageDecodingError, "\(error)")
        }
    }
}
