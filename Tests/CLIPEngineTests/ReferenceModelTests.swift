import Foundation
import XCTest
@testable import CLIPEngine

/// Models of shapes unlike the fixtures (other widths, heads, layers, patch and image size, gelu vs
/// quick_gelu, first-eos pooling, fp16/bf16 storage, "archive/" PyTorch zips, a "bert." key prefix,
/// cls+max pooling, Dense without bias + Tanh, Normalize), written by make_reference_models.py together
/// with a plain numpy (float64) forward pass. Proves nothing depends on the tiny fixtures' configs.
final class ReferenceModelTests: XCTestCase {
    nonisolated(unsafe) static var outDir: URL?

    static func generated() throws -> URL {
        if let d = outDir { return d }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("clip-reference-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let script = Fixtures.repoRoot.appendingPathComponent("Tests/CLIPEngineTests/make_reference_models.py")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script.path, dir.path]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = Pipe()
        do { try p.run() } catch { throw XCTSkip("python3 is not available to generate the reference models") }
        p.waitUntilExit()
        if p.terminationStatus != 0 {
            let msg = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            if msg.contains("No module named 'numpy'") { throw XCTSkip("numpy is not installed (pip install numpy)") }
            XCTFail("make_reference_models.py failed: \(msg)")
            throw CLIPEngineError("generation failed")
        }
        outDir = dir
        return dir
    }

    func expected() throws -> [String: Any] {
        let data = try Data(contentsOf: try Self.generated().appendingPathComponent("expected.json"))
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func testCLIPOfAnotherShapeMatchesNumpy() throws {
        let dir = try Self.generated()
        let exp = try XCTUnwrap(try expected()["clip"] as? [String: Any])
        for folder in ["clip-other", "clip-other-bin"] {
            let model = try EmbeddingModel(folder: dir.appendingPathComponent(folder))
            XCTAssertEqual(model.dimension, 16)
            XCTAssertEqual(model.imageSize, 64)
            let texts = try XCTUnwrap(exp["texts"] as? [Any]).map(ints)
            let tv = try model.embed(tokenIDs: texts)
            for (i, (v, e)) in zip(tv, try XCTUnwrap(exp["text_embeddings"] as? [Any]).map(floatArray)).enumerated() {
                assertParity(v, e, minCosine: 0.999_999_99, relDiff: 2e-6, "\(folder) text \(i)")
            }
            let images = try XCTUnwrap(exp["images"] as? [String]).map { try Fixtures.floats(dir.appendingPathComponent("images/\($0)")) }
            let iv = try model.embed(pixels: images)
            for (i, (v, e)) in zip(iv, try XCTUnwrap(exp["image_embeddings"] as? [Any]).map(floatArray)).enumerated() {
                assertParity(v, e, minCosine: 0.999_999_99, relDiff: 2e-6, "\(folder) image \(i)")
            }
            // Too many positions for this config: a clear error, not a crash.
            XCTAssertThrowsError(try model.embed(pixels: [[Float](repeating: 0, count: 3 * 224 * 224)]))
        }
    }

    func testHalfSafetensorsAndHalfPyTorchZipAreIdentical() throws {
        let dir = try Self.generated()
        let a = try EmbeddingModel(folder: dir.appendingPathComponent("clip-other"))
        let b = try EmbeddingModel(folder: dir.appendingPathComponent("clip-other-bin"))
        let ids: [[Int32]] = [[998, 1, 2, 999], [998, 999]]
        XCTAssertEqual(try a.embed(tokenIDs: ids, settings: ComputeSettings(threads: 1)),
                       try b.embed(tokenIDs: ids, settings: ComputeSettings(threads: 1)))
    }

    func testBERTOfAnotherShapeMatchesNumpy() throws {
        let dir = try Self.generated()
        let exp = try XCTUnwrap(try expected()["bert"] as? [String: Any])
        let model = try EmbeddingModel(folder: dir.appendingPathComponent("bert-other"))
        XCTAssertTrue(model.normalizes)
        XCTAssertEqual(model.dimension, 20)
        XCTAssertEqual(model.maxTextTokens, 12)
        let texts = try XCTUnwrap(exp["texts"] as? [Any]).map(ints)
        let vectors = try model.embed(tokenIDs: texts)
        for (i, (v, e)) in zip(vectors, try XCTUnwrap(exp["embeddings"] as? [Any]).map(floatArray)).enumerated() {
            assertParity(v, e, minCosine: 0.999_999_99, relDiff: 2e-6, "bert text \(i)")
            XCTAssertEqual(norm(v), 1, accuracy: 1e-5)
        }
    }
}
