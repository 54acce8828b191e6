import Foundation
import CImageCodecs
import XCTest
@testable import ImageProcessing
import Hashing

/// `ImageResizer` against PIL's `Image.resize` on a real photo, every filter, up- and downscaling, including
/// non-uniform scalings. Expected digests are sha256 of `Image.open('chelsea.png').resize(size, filter).tobytes()`
/// under Pillow 10.0.0 (the container's era). Pillow 13 picks the pass order differently for some non-uniform
/// scalings ((500, 77) with filters 1, 2, 3, 5 differ there by +-1 on some pixels); the aspect-preserving CLIP
/// resizes of the fixtures are identical in both.
final class ResizeParityTests: XCTestCase {
    static let expected: [(width: Int, height: Int, filter: Int, sha256: String)] = [
        (173, 301, 0, "0bfaeb455f3b70796f60acda693ca83801fc07514b29768234b0ba3fc4e8c4c3"),
        (173, 301, 1, "231588eba59f0c9c17a72c46ed7daa57a54da3aaedab9da031201a5ff35d82e6"),
        (173, 301, 2, "07c204f62d6d077f0aeb45c6358bd51f692d184007a00396a4850b8c44506bd9"),
        (173, 301, 3, "04a05fab9fdf2d34980666ecb0f4aa10c78cd28aa7d7fce2a5396cade6ea35f4"),
        (173, 301, 4, "0a16ef9d8c364280c0e680cbed9c1a60880ce435b13fae483e9cdb1e8eee58ce"),
        (173, 301, 5, "8b8632d6e562043bdb5c969130d7be2e3a427b900d7e609b6cedfc1fb090366d"),
        (500, 77, 0, "67c02f4070b95c60a3a67b2fd0edaa7ef6ac8d404625912edca9e0231b39edfe"),
        (500, 77, 1, "a6d4332b958cd6e44b7e2fc9bf6f10b91a83854cd16ce220a6281a3cafb505f7"),
        (500, 77, 2, "3429a758e03bcd9d03939ea62cb2d46c2c02d4ad85dc71e6e8c197696455e2e8"),
        (500, 77, 3, "83e97d729b13a8d2087ce11a1fc1e1489a9526a341f3059c04d9e888780e16ae"),
        (500, 77, 4, "3ab3d7c0757dae9186a38e1cb9d2dfbd1c3c72de78424df1d0436c6eff2f7c91"),
        (500, 77, 5, "80afacadadbd925a9540df6a20c0773d7a3ead46cf986f54960b1964d1b10a7a"),
        (451, 120, 0, "933b6adcccdfba96ba4654b0c0eac1dae22a24b267aeb4cd18bb3d5b352242e7"),
        (451, 120, 1, "076565679bb6d41eccc4eefaef831a73522d72b10b396f64c8017b9f0b74dd1c"),
        (451, 120, 2, "5af9a803428393e9fcf2e0149fe06a3f8168f6bc6a90d99bdd2ebe478db1cd27"),
        (451, 120, 3, "5727f6383578e49771e0d06c0e652cc3135579b09d43f6b82ff5ade8f5d0b577"),
        (451, 120, 4, "59513b7d264a9053ecb6c7550009b0f35fe43e39cab34b17740e0c79721bc713"),
        (451, 120, 5, "55447f629802a87cfe8e21eaadd1a7a388f5fe3533629f08fa726c2584bed7fc"),
        (60, 300, 0, "61597f96d7894039d6c52a2cb63340b1430338389ec29d08c3f5e3fadd40f069"),
        (60, 300, 1, "0086be3955f00da2866eccbd56e7bbe6abf7116f4af31f6e4b22e00f5c79f12a"),
        (60, 300, 2, "80842119283aea026197416f70ecfedfcf3486b653b34c893c00c92aba505e71"),
        (60, 300, 3, "4519d63705d1e8cd1a40e4c76e48c5fb1f9cf2c41a4e710143a5d374a1b180aa"),
        (60, 300, 4, "ba95335a765a656b0fdfae8044e76e258b8d98ae6ec89eb8b6577e7cae71d8fc"),
        (60, 300, 5, "70caef820c03603766b85ee3684b4c8889051d00050bd59b4ee28791933a5ecd"),
    ]

    func testResizeMatchesPillow() throws {
        let image = try ImageDecoder.decode(try Fixtures.data("images/chelsea.png"))
        for row in Self.expected {
            let filter = try XCTUnwrap(ResampleFilter(rawValue: row.filter))
            let resized = ImageResizer.resize(image, width: row.width, height: row.height, filter: filter)
            XCTAssertEqual(SHA256.hex(resized.pixels), row.sha256, "\(row.width)x\(row.height) \(filter)")
        }
    }

    /// The AVX2 kernels (when the CPU has them) and the portable scalar ones give the same bytes.
    func testScalarAndSIMDKernelsAgree() throws {
        let image = try ImageDecoder.decode(try Fixtures.data("images/rocket.jpg"))
        defer { _ = iris_resample_set_simd(1) }
        for (width, height, filter) in [(335, 224, ResampleFilter.bicubic), (173, 301, .lanczos), (1001, 97, .bilinear),
                                        (640, 211, .hamming), (333, 427, .box)] {
            _ = iris_resample_set_simd(0)
            let scalar = ImageResizer.resize(image, width: width, height: height, filter: filter)
            _ = iris_resample_set_simd(1)
            let simd = ImageResizer.resize(image, width: width, height: height, filter: filter)
            XCTAssertEqual(scalar, simd, "\(width)x\(height) \(filter)")
        }
    }

    func testSameSizeIsACopyAndOnePixelUpscaleIsFlat() {
        let image = RGBImage(width: 3, height: 2, pixels: Array(0..<18).map { UInt8($0 * 10) })
        XCTAssertEqual(ImageResizer.resize(image, width: 3, height: 2), image)
        let dot = RGBImage(width: 1, height: 1, pixels: [200, 30, 120])
        let big = ImageResizer.resize(dot, width: 5, height: 4, filter: .bicubic)
        XCTAssertEqual(big.pixels, Array(repeating: [200, 30, 120], count: 20).flatMap { $0 })
    }

    func testCoefficientsSumToOneInFixedPoint() {
        for (inSize, outSize) in [(451, 336), (40, 224), (1200, 6720), (7, 3), (1, 224)] {
            for filter in ResampleFilter.allCases where filter != .nearest {
                let c = ResampleCoefficients(inSize: inSize, outSize: outSize, filter: filter)
                for i in 0..<outSize {
                    let sum = (0..<Int(c.count[i])).reduce(0) { $0 + Int(c.weights[i * c.taps + $1]) }
                    XCTAssertLessThanOrEqual(abs(sum - (1 << 22)), Int(c.count[i]), "\(inSize)->\(outSize) \(filter) #\(i)")
                    XCTAssertGreaterThanOrEqual(c.start[i], 0)
                    XCTAssertLessThanOrEqual(Int(c.start[i] + c.count[i]), inSize)
                }
            }
        }
    }
}
