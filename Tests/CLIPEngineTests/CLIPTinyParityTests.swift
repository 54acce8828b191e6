import Foundation
import XCTest
@testable import CLIPEngine

/// clip-tiny against the reference's golden embeddings, from the golden token ids and pixel tensors.
final class CLIPTinyParityTests: XCTestCase {
    func testTextEmbeddingsFromGoldenIDs() throws {
        let golden = try Fixtures.json("golden/clip-tiny.json")
        let texts = try XCTUnwrap(golden["texts"] as? [[String: Any]])
        XCTAssertGreaterThan(texts.count, 10)
        let model = try Fixtures.model("models/clip-tiny")
        let ids = texts.map { ints($0["input_ids"]) }
        let vectors = try model.embed(tokenIDs: ids)
        for (t, v) in zip(texts, vectors) {
            assertParity(v, floatArray(t["embedding"]), "text \(t["id"] ?? "")")
        }
    }

    func testOneAtATimeEqualsBatch() throws {
        let golden = try Fixtures.json("golden/clip-tiny.json")
        let texts = try XCTUnwrap(golden["texts"] as? [[String: Any]]).prefix(6)
        let model = try Fixtures.model("models/clip-tiny")
        let ids = texts.map { ints($0["input_ids"]) }
        let batch = try model.embed(tokenIDs: ids)
        for (i, one) in ids.enumerated() {
            let single = try model.embed(tokenIDs: [one], settings: ComputeSettings(threads: 1))[0]
            XCTAssertEqual(zip(single, batch[i]).map { abs($0 - $1) }.max()!, 0, accuracy: 1e-5)
        }
    }

    func testImageEmbeddingsFromGoldenPixels() throws {
        let golden = try Fixtures.json("golden/clip-tiny.json")
        let images = try XCTUnwrap(golden["images"] as? [[String: Any]])
        XCTAssertEqual(images.count, 17)
        let model = try Fixtures.model("models/clip-tiny")
        let pixels = try images.map { img -> [Float] in
            let file = try XCTUnwrap(img["pixels_file"] as? String)
            return try Fixtures.floats(Fixtures.url(file))
        }
        let vectors = try model.embed(pixels: pixels)
        for (img, v) in zip(images, vectors) {
            assertParity(v, floatArray(img["embedding"]), "image \(img["name"] ?? "")")
        }
        // Thread settings must not change the numbers beyond float noise.
        let some = Array(pixels.prefix(5))
        let serial = try model.embed(pixels: some, settings: ComputeSettings(threads: 1))
        let split = try model.embed(pixels: some, settings: ComputeSettings(threads: 2, mode: .splitBatch))
        let blas = try model.embed(pixels: some, settings: ComputeSettings(threads: 2, mode: .blasThreads))
        let columns = try model.embed(pixels: some, settings: ComputeSettings(threads: 2, mode: .splitColumns))
        let auto = try model.embed(pixels: some, settings: ComputeSettings(threads: 2)) // 4 split by batch, 1 by columns
        for i in 0..<some.count {
            assertParity(serial[i], vectors[i], minCosine: 0.9999999, relDiff: 1e-6, "serial vs default \(i)")
            assertParity(split[i], vectors[i], minCosine: 0.9999999, relDiff: 1e-6, "split vs default \(i)")
            assertParity(blas[i], vectors[i], minCosine: 0.9999999, relDiff: 1e-6, "blas threads vs default \(i)")
            assertParity(columns[i], vectors[i], minCosine: 0.9999999, relDiff: 1e-6, "column split vs default \(i)")
            assertParity(auto[i], vectors[i], minCosine: 0.9999999, relDiff: 1e-6, "auto with 2 threads vs default \(i)")
        }
    }

    func testLargeBatchesRunInChunks() throws {
        let model = try Fixtures.model("models/clip-tiny")
        let names = ["chelsea", "coffee", "horse", "rocket", "camera"]
        let px = try names.map { try Fixtures.floats(Fixtures.url("golden/pixels/\($0).f32")) }
        let many = (0..<(EmbeddingModel.maxImagesPerPass + 7)).map { px[$0 % px.count] }
        let vectors = try model.embed(pixels: many, settings: ComputeSettings(threads: 1))
        let single = try model.embed(pixels: px)
        for (i, v) in vectors.enumerated() { assertParity(v, single[i % px.count], minCosine: 0.9999999, relDiff: 1e-6, "chunked \(i)") }
        let ids = (0..<600).map { i in [Int32(49406)] + (0..<(i % 9)).map { Int32(320 + $0) } + [49407] } // > maxTokensPerPass
        let tv = try model.embed(tokenIDs: ids, settings: ComputeSettings(threads: 1))
        for i in [0, 5, 599] { assertParity(tv[i], try model.embed(tokenIDs: [ids[i]])[0], minCosine: 0.9999999, relDiff: 1e-6, "text \(i)") }
    }

    func testPyTorchBinGivesTheSameVectors() throws {
        let golden = try Fixtures.json("golden/clip-tiny.json")
        let texts = try XCTUnwrap(golden["texts"] as? [[String: Any]]).prefix(5).map { ints($0["input_ids"]) }
        let st = try Fixtures.model("models/clip-tiny")
        let bin = try Fixtures.model("models/clip-tiny-bin")
        XCTAssertEqual(try st.embed(tokenIDs: texts, settings: ComputeSettings(threads: 1)),
                       try bin.embed(tokenIDs: texts, settings: ComputeSettings(threads: 1)))
        let px = try Fixtures.floats(Fixtures.url("golden/pixels/chelsea.f32"))
        XCTAssertEqual(try st.embed(pixels: [px]), try bin.embed(pixels: [px]))
    }

    func testModelShapeAndMetaComeFromConfig() throws {
        let model = try Fixtures.model("models/clip-tiny")
        XCTAssertEqual(model.dimension, 32)
        XCTAssertEqual(model.imageSize, 224)
        XCTAssertEqual(model.clipConfig?.vision.patchSize, 32)
        XCTAssertEqual(model.clipConfig?.text.hiddenSize, 48)
        XCTAssertFalse(model.normalizes)
        XCTAssertEqual(model.configDictionary["model_type"] as? String, "clip")
    }

    func testBadInputsThrow() throws {
        let model = try Fixtures.model("models/clip-tiny")
        XCTAssertThrowsError(try model.embed(tokenIDs: [[]]))
        XCTAssertThrowsError(try model.embed(tokenIDs: [[49406, 60000, 49407]])) { err in
            XCTAssertTrue("\(err)".contains("outside the vocabulary"), "\(err)")
        }
        XCTAssertThrowsError(try model.embed(pixels: [[Float](repeating: 0, count: 10)])) { err in
            XCTAssertTrue("\(err)".contains("3×224×224"), "\(err)")
        }
        // Longer than 77 ids: truncated keeping the end token, like the tokenizer.
        let long = [Int32(49406)] + [Int32](repeating: 320, count: 100) + [49407]
        let trunc = [Int32(49406)] + [Int32](repeating: 320, count: 75) + [49407]
        XCTAssertEqual(try model.embed(tokenIDs: [long]), try model.embed(tokenIDs: [trunc]))
    }
}

/// The last layer computes only the rows pooling reads (CLIP's class token, the end-of-text token).
final class PooledLastLayerTests: XCTestCase {
    /// Each kept row equals that row of the full stack, causal or not, with one or two threads.
    func testKeptRowsEqualTheFullLayers() throws {
        let model = try Fixtures.model("models/clip-tiny")
        let vision = try XCTUnwrap(model.vision)
        guard case .clip(let text)? = model.text else { return XCTFail("clip-tiny has a CLIP text tower") }
        for (layers, causal) in [(vision.layers, false), (text.layers, true)] {
            let d = layers[0].hidden
            let segments = [Segment(start: 0, length: 7), Segment(start: 7, length: 1), Segment(start: 8, length: 12)]
            let kept = [3, 7, 19]
            let rows = 20
            for threads in [1, 2] {
                let input = (0..<(rows * d)).map { Float(($0 * 7919) % 997) / 997 - 0.5 }
                let full = FloatBuffer(rows * d), pruned = FloatBuffer(rows * d), out = FloatBuffer(kept.count * d)
                full.p.update(from: input, count: rows * d)
                pruned.p.update(from: input, count: rows * d)
                func workspace() -> LayerWorkspace {
                    LayerWorkspace(rows: rows, hidden: d, intermediate: layers[0].intermediate, maxSegment: 12, threads: threads)
                }
                let ws = workspace()
                for layer in layers { layer.forward(full.p, segments: segments, causal: causal, ws: ws) }
                layers.forward(pruned.p, segments: segments, causal: causal, ws: workspace(), keeping: kept, into: out.p)
                for (i, row) in kept.enumerated() {
                    let a = Array(UnsafeBufferPointer(start: full.p + row * d, count: d))
                    let b = Array(UnsafeBufferPointer(start: out.p + i * d, count: d))
                    XCTAssertEqual(a, b, "causal \(causal), threads \(threads), row \(row)")
                }
            }
        }
    }
}
