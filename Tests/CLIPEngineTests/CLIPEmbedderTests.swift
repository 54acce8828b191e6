import Foundation
import XCTest
@testable import CLIPEngine

/// The full pipeline: raw text → tokenizer → model, raw file bytes → decoder → preprocessing → model.
final class CLIPEmbedderTests: XCTestCase {
    nonisolated(unsafe) static var shared: CLIPEmbedder?
    static func embedder() throws -> CLIPEmbedder {
        if let e = shared { return e }
        let e = try CLIPEmbedder(clipModel: Fixtures.url("models/clip-tiny"))
        shared = e
        return e
    }

    func testTextsFromRawStrings() throws {
        let golden = try Fixtures.json("golden/clip-tiny.json")
        let texts = try XCTUnwrap(golden["texts"] as? [[String: Any]])
        let e = try Self.embedder()
        let strings = try texts.map { try XCTUnwrap($0["text"] as? String) }
        for (t, s) in zip(texts, strings) {
            XCTAssertEqual(e.tokenIDs(s), ints(t["input_ids"]), "ids of \(t["id"] ?? "")")
        }
        let vectors = try e.embed(texts: strings)
        for (t, v) in zip(texts, vectors) { assertParity(v, floatArray(t["embedding"]), "text \(t["id"] ?? "")") }
    }

    func testImagesFromRawFileBytes() throws {
        let golden = try Fixtures.json("golden/clip-tiny.json")
        let images = try XCTUnwrap(golden["images"] as? [[String: Any]])
        let e = try Self.embedder()
        let data = try images.map { try Data(contentsOf: Fixtures.url(try XCTUnwrap($0["file"] as? String))) }
        let vectors = try e.embed(images: data)
        XCTAssertEqual(vectors.count, images.count)
        for (img, v) in zip(images, vectors) {
            XCTAssertGreaterThanOrEqual(cosine(v, floatArray(img["embedding"])), 0.9999, "image \(img["name"] ?? "")")
        }
    }

    func testMultilingualTextModelFromRawStrings() throws {
        let golden = try Fixtures.json("golden/mclip-tiny.json")
        let texts = try XCTUnwrap(golden["texts"] as? [[String: Any]])
        let e = try CLIPEmbedder(clipModel: Fixtures.url("models/clip-tiny"), textModel: Fixtures.url("models/mclip-tiny"))
        let vectors = try e.embed(texts: texts.map { try XCTUnwrap($0["text"] as? String) })
        for (t, v) in zip(texts, vectors) { assertParity(v, floatArray(t["embedding"]), "mclip \(t["id"] ?? "")") }
        // Every thread policy gives the same numbers (up to summation order).
        let ids = texts.prefix(8).map { ints($0["input_ids"]) }
        for mode in [ComputeSettings.Mode.blasThreads, .splitBatch, .splitColumns] {
            let v = try e.textModel.embed(tokenIDs: ids, settings: ComputeSettings(threads: 2, mode: mode))
            for i in 0..<ids.count { assertParity(v[i], vectors[i], minCosine: 0.9999999, relDiff: 1e-6, "\(mode) \(i)") }
        }
        let meta = e.meta
        XCTAssertEqual((meta["clip_model"] as? [String: Any])?["model_type"] as? String, "clip")
        XCTAssertEqual((meta["text_model"] as? [String: Any])?["model_type"] as? String, "distilbert")
        XCTAssertNoThrow(try e.metaJSON())
        // A second embedder on the same folders shares the loaded models.
        let again = try CLIPEmbedder(clipModel: Fixtures.url("models/clip-tiny"), textModel: Fixtures.url("models/mclip-tiny"))
        XCTAssertTrue(again.clipModel === e.clipModel)
        XCTAssertTrue(again.textModel === e.textModel)
    }

    func testConcurrentCallersGetTheirOwnResultsInOrder() throws {
        let e = try Self.embedder()
        let texts = ["a photo of a cat", "a dog", "two horses in a field at sunset", "x", "the rocket launch"]
        let expected = try texts.map { try e.embed(texts: [$0])[0] }
        let results = UnsafeMutableBufferPointer<[[Float]]>.allocate(capacity: 8)
        results.initialize(repeating: [])
        defer { results.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            let mine = (0..<3).map { texts[(i + $0) % texts.count] }
            results[i] = (try? e.embed(texts: mine)) ?? []
        }
        for i in 0..<8 {
            XCTAssertEqual(results[i].count, 3)
            for (j, v) in results[i].enumerated() {
                assertParity(v, expected[(i + j) % texts.count], minCosine: 0.999_999, relDiff: 1e-5, "caller \(i) item \(j)")
            }
        }
    }

    func testBadImageGivesAClearError() throws {
        let e = try Self.embedder()
        XCTAssertThrowsError(try e.embed(images: [Data("not an image".utf8)])) { err in
            XCTAssertTrue("\(err)".contains("image"), "\(err)")
        }
        // A bad image in a batch fails that call; the embedder keeps working.
        let good = try Data(contentsOf: Fixtures.url("images/chelsea.png"))
        XCTAssertThrowsError(try e.embed(images: [good, Data([0xFF, 0xD8, 0xFF])]))
        XCTAssertEqual(try e.embed(images: [good]).count, 1)
        XCTAssertEqual(try e.embed(texts: []), [])
    }
}
