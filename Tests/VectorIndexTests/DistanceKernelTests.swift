import CDistances
import XCTest
@testable import VectorIndex

/// Every SIMD path this CPU can run must agree with the scalar Swift reference.
final class DistanceKernelTests: XCTestCase {
    func testEveryKernelMatchesReference() throws {
        var rng = TestRNG(seed: 42)
        let levels = Array(0...Int(cd_best_level()))
        XCTAssertGreaterThanOrEqual(levels.count, 1)
        // Lengths around the 8- and 16-lane boundaries, plus the benchmark's 50 and CLIP's 512.
        for n in [1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 50, 64, 100, 512, 513] {
            var a = (0..<n).map { _ in rng.gaussian() }
            var b = (0..<n).map { _ in rng.gaussian() }
            for i in stride(from: 0, to: n, by: 3) { b[i] = a[i] }  // equal positions matter for hamming
            for metric in DistanceMetric.allCases {
                if metric == .cosine { a = DistanceKernel.normalised(a); b = DistanceKernel.normalised(b) }
                let expected = referenceDistance(metric, a, b)
                for level in levels {
                    let fn = try XCTUnwrap(cd_kernel_at(metric.kernelCode, Int32(level)))
                    let got = fn(a, b, n)
                    let tolerance = 1e-4 * max(1, abs(expected))
                    XCTAssertEqual(got, expected, accuracy: tolerance, "\(metric) n=\(n) level=\(level)")
                }
            }
        }
    }

    func testUnsupportedLevelAndMetricAreRejected() {
        XCTAssertNil(cd_kernel_at(99, 0))
        XCTAssertNil(cd_kernel_at(0, 3))
        if cd_best_level() < 2 { XCTAssertNil(cd_kernel_at(0, 2)) }
    }

    func testHammingCountsDifferingPositions() {
        let a: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
        var b = a
        b[0] = 0; b[8] = 0; b[10] = -1
        for level in 0...Int(cd_best_level()) {
            XCTAssertEqual(cd_kernel_at(Int32(CD_METRIC_HAMMING), Int32(level))!(a, b, a.count), 3)
        }
    }

    func testChecksumDetectsSingleBitFlip() {
        var bytes = [UInt8](repeating: 7, count: 1000)
        let h1 = cd_checksum64(bytes, bytes.count, 0)
        bytes[517] ^= 0x10
        XCTAssertNotEqual(h1, cd_checksum64(bytes, bytes.count, 0))
    }
}
