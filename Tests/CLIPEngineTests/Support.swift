import Foundation
import XCTest
@testable import CLIPEngine

/// Paths: the repository root from this file, and the shared fixtures beside the clone (../shared).
enum Fixtures {
    static let repoRoot = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let root = repoRoot.deletingLastPathComponent().appendingPathComponent("shared/fixtures")
    static func url(_ path: String) -> URL { root.appendingPathComponent(path) }

    static func json(_ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: url(path))
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func floats(_ url: URL) throws -> [Float] {
        let data = try Data(contentsOf: url)
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    /// Models are loaded once per test process (they are immutable and shared).
    nonisolated(unsafe) private static var cache: [String: EmbeddingModel] = [:]
    private static let lock = NSLock()
    static func model(_ path: String) throws -> EmbeddingModel {
        lock.lock()
        defer { lock.unlock() }
        if let m = cache[path] { return m }
        let m = try EmbeddingModel(folder: url(path))
        cache[path] = m
        return m
    }
}

func ints(_ any: Any?) -> [Int32] { (any as? [NSNumber] ?? []).map { $0.int32Value } }
func floatArray(_ any: Any?) -> [Float] { (any as? [NSNumber] ?? []).map { $0.floatValue } }

func cosine(_ a: [Float], _ b: [Float]) -> Double {
    var dot = 0.0, na = 0.0, nb = 0.0
    for (x, y) in zip(a, b) { dot += Double(x) * Double(y); na += Double(x) * Double(x); nb += Double(y) * Double(y) }
    return dot / (na.squareRoot() * nb.squareRoot())
}

func norm(_ a: [Float]) -> Double { a.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot() }

/// The parity criterion: cosine >= minCosine and max |diff| <= relDiff * ||expected||.
func assertParity(_ got: [Float], _ expected: [Float], minCosine: Double = 0.99999, relDiff: Double = 1e-4,
                  _ label: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(got.count, expected.count, "\(label): length", file: file, line: line)
    guard got.count == expected.count, !got.isEmpty else { return }
    let cos = cosine(got, expected)
    let maxDiff = zip(got, expected).map { Double(abs($0 - $1)) }.max()!
    if ProcessInfo.processInfo.environment["CLIP_PARITY_VERBOSE"] != nil {
        print("parity \(label): 1-cos \(1 - cos) maxdiff/norm \(maxDiff / norm(expected))")
    }
    XCTAssertGreaterThanOrEqual(cos, minCosine, "\(label): cosine", file: file, line: line)
    XCTAssertLessThanOrEqual(maxDiff, relDiff * norm(expected), "\(label): max |diff| \(maxDiff)", file: file, line: line)
}
