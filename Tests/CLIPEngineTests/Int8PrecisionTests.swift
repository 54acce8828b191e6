import Foundation
import XCTest
@testable import CLIPEngine

/// The int8 path end to end: each model loaded with `.int8` against the reference's golden fp32
/// embeddings. The cosines printed here are the fidelity numbers docs/modules/CLIPEngine.md reports.
final class Int8PrecisionTests: XCTestCase {
    /// Lowest and mean cosine between int8 vectors and the goldens.
    func fidelity(_ got: [[Float]], _ expected: [[Float]]) -> (min: Double, mean: Double) {
        let c = zip(got, expected).map { cosine($0, $1) }
        return (c.min()!, c.reduce(0, +) / Double(c.count))
    }

    func testClipTinyTextsAndImages() throws {
        let golden = try Fixtures.json("golden/clip-tiny.json")
        let model = try EmbeddingModel(folder: Fixtures.url("models/clip-tiny"), precision: .int8)
        XCTAssertEqual(model.precision, .int8)
        let texts = try XCTUnwrap(golden["texts"] as? [[String: Any]])
        let t = fidelity(try model.embed(tokenIDs: texts.map { ints($0["input_ids"]) }), texts.map { floatArray($0["embedding"]) })
        let images = try XCTUnwrap(golden["images"] as? [[String: Any]])
        let pixels = try images.map { try Fixtures.floats(Fixtures.url(XCTUnwrap($0["pixels_file"] as? String))) }
        let i = fidelity(try model.embed(pixels: pixels), images.map { floatArray($0["embedding"]) })
        print(String(format: "int8 fidelity clip-tiny: texts min %.5f mean %.5f; images min %.5f mean %.5f", t.min, t.mean, i.min, i.mean))
        XCTAssertGreaterThan(t.min, 0.98)
        XCTAssertGreaterThan(i.min, 0.98)
        // Not the fp32 vectors: the int8 path really ran.
        XCTAssertLessThan(t.mean, 0.999_999)
    }

    func testRealMiniLM() throws {
        let folder = try MCLIPAndMiniLMTests.miniLMFolder()
        let golden = try Fixtures.json("golden/minilm.json")
        let sentences = try XCTUnwrap(golden["sentences"] as? [[String: Any]])
        let model = try EmbeddingModel(folder: folder, precision: .int8)
        let f = fidelity(try model.embed(tokenIDs: sentences.map { ints($0["input_ids"]) }), sentences.map { floatArray($0["embedding"]) })
        print(String(format: "int8 fidelity all-MiniLM-L6-v2 (real weights): min %.5f mean %.5f over %d sentences", f.min, f.mean, sentences.count))
        XCTAssertGreaterThan(f.min, 0.97)
        XCTAssertGreaterThan(f.mean, 0.99)
    }
}
