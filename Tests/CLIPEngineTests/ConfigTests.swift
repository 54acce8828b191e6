import Foundation
import XCTest
@testable import CLIPEngine
import ModelFormats

/// Configs come from files: defaults for absent keys, the hub's *_config_dict overrides, module configs.
final class ConfigTests: XCTestCase {
    func parse(_ json: String) throws -> CLIPConfig {
        let raw = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        return try CLIPConfig(json: JSONObject(raw: raw, context: "test"))
    }

    func testDefaultsAreTransformersDefaults() throws {
        let c = try parse(#"{"model_type": "clip"}"#)
        XCTAssertEqual(c.projectionDim, 512)
        XCTAssertEqual(c.text.hiddenSize, 512)
        XCTAssertEqual(c.text.heads, 8)
        XCTAssertEqual(c.text.maxPositions, 77)
        XCTAssertEqual(c.vision.hiddenSize, 768)
        XCTAssertEqual(c.vision.patchSize, 32)
        XCTAssertEqual(c.vision.imageSize, 224)
        XCTAssertEqual(c.vision.activation, .quickGelu)
        XCTAssertEqual(c.vision.layerNormEps, 1e-5)
    }

    func testConfigDictOverridesAndNulls() throws {
        let c = try parse(#"""
        {"model_type": "clip", "projection_dim": 768,
         "text_config": {"hidden_size": 64, "num_attention_heads": 4}, "text_config_dict": {"hidden_size": 128, "hidden_act": "gelu"},
         "vision_config": {"patch_size": 14, "image_size": 336, "layer_norm_eps": 1e-6}, "vision_config_dict": null}
        """#)
        XCTAssertEqual(c.projectionDim, 768)
        XCTAssertEqual(c.text.hiddenSize, 128)
        XCTAssertEqual(c.text.heads, 4)
        XCTAssertEqual(c.text.activation, .geluErf)
        XCTAssertEqual(c.vision.patchSize, 14)
        XCTAssertEqual(c.vision.imageSize, 336)
        XCTAssertEqual(c.vision.layerNormEps, 1e-6)
    }

    func testInvalidConfigsAreRejectedClearly() throws {
        XCTAssertThrowsError(try parse(#"{"text_config": {"hidden_size": 50, "num_attention_heads": 8}}"#)) {
            XCTAssertTrue("\($0)".contains("not divisible"), "\($0)")
        }
        XCTAssertThrowsError(try parse(#"{"vision_config": {"hidden_act": "swish_v9"}}"#)) {
            XCTAssertTrue("\($0)".contains("unsupported activation"), "\($0)")
        }
        XCTAssertThrowsError(try parse(#"{"vision_config": {"image_size": 100, "patch_size": 32}}"#)) {
            XCTAssertTrue("\($0)".contains("not a multiple"), "\($0)")
        }
        XCTAssertThrowsError(try parse(#"{"model_type": "siglip"}"#))
    }

    func testModuleConfigs() throws {
        func obj(_ s: String) throws -> JSONObject {
            JSONObject(raw: try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String: Any]), context: "t")
        }
        let dense = try DenseConfig(json: obj(#"{"in_features": 768, "out_features": 512, "bias": false, "activation_function": "torch.nn.modules.linear.Identity"}"#))
        XCTAssertEqual(dense.outFeatures, 512)
        XCTAssertFalse(dense.bias)
        XCTAssertEqual(dense.activation, .identity)
        XCTAssertEqual(try DenseConfig(json: obj(#"{"in_features": 1, "out_features": 2}"#)).activation, .tanh) // ST's default
        let pool = try PoolingConfig(json: obj(#"{"word_embedding_dimension": 8, "pooling_mode_cls_token": true, "pooling_mode_mean_tokens": true}"#))
        XCTAssertEqual(pool.modeCount, 2)
        XCTAssertThrowsError(try PoolingConfig(json: obj(#"{"pooling_mode_mean_tokens": false}"#)))
        XCTAssertThrowsError(try PoolingConfig(json: obj(#"{"pooling_mode_weightedmean_tokens": true}"#)))
        let distil = try EncoderConfig(file: Fixtures.url("models/mclip-tiny/config.json"))
        XCTAssertEqual(distil.family, .distilbert)
        XCTAssertEqual(distil.hiddenSize, 32)
        XCTAssertEqual(distil.intermediateSize, 128)
        XCTAssertEqual(distil.activation, .geluErf)
    }

    func testPlainHuggingFaceCLIPFolder() throws {
        // The 0_CLIPModel folder on its own is the plain HF layout (config.json + weights + tokenizer).
        let plain = try EmbeddingModel(folder: Fixtures.url("models/clip-tiny/0_CLIPModel"))
        let st = try Fixtures.model("models/clip-tiny")
        let ids: [[Int32]] = [[49406, 320, 1125, 539, 320, 2368, 49407]]
        XCTAssertEqual(try plain.embed(tokenIDs: ids), try st.embed(tokenIDs: ids))
        let e = try CLIPEmbedder(clipModel: Fixtures.url("models/clip-tiny/0_CLIPModel"))
        XCTAssertEqual(e.tokenIDs("a photo of a cat"), ids[0])
    }
}
