import Foundation
import XCTest
import ModelFormats
@testable import ModelHub

final class ModelFolderTests: XCTestCase {
    func testClipTiny() throws {
        let folder = try ModelFolder(contentsOf: Fixtures.models.appendingPathComponent("clip-tiny"))
        XCTAssertEqual(folder.layout, .sentenceTransformersCLIP)
        XCTAssertEqual(folder.modules, [ModuleEntry(index: 0, name: "0", path: "0_CLIPModel", type: "sentence_transformers.models.CLIPModel")])
        let clip = try XCTUnwrap(folder.clip)
        XCTAssertEqual(clip.projectionDim, 32)
        XCTAssertEqual(clip.vision, TransformerSummary(
            modelType: "clip_vision_model", hiddenSize: 64, layers: 2, heads: 4, intermediateSize: 256,
            activation: "quick_gelu", layerNormEps: 1e-5, imageSize: 224, patchSize: 32, channels: 3))
        XCTAssertEqual(clip.vision.patchesPerSide, 7)
        XCTAssertEqual(clip.text, TransformerSummary(
            modelType: "clip_text_model", hiddenSize: 48, layers: 2, heads: 4, intermediateSize: 192,
            activation: "quick_gelu", layerNormEps: 1e-5, vocabSize: 49408, maxPositions: 77))
        XCTAssertNil(folder.textEncoder)
        XCTAssertNil(folder.pooling)
        XCTAssertEqual(folder.dense, [])
        XCTAssertEqual(folder.tokenizer?.kind, "BPE")
        XCTAssertEqual(folder.tokenizer?.tokenizerClass, "CLIPTokenizer")
        XCTAssertEqual(folder.tokenizer?.vocabSize, 49408)
        XCTAssertEqual(folder.tokenizer?.maxLength, 77)
        XCTAssertEqual(folder.imageProcessor, ImageProcessorSummary(
            path: "0_CLIPModel/preprocessor_config.json", resizeShortestEdge: 224, cropSize: 224, resample: 3,
            mean: [0.48145466, 0.4578275, 0.40821073], std: [0.26862954, 0.26130258, 0.27577711]))
        XCTAssertEqual(folder.weights.count, 1)
        let weights = try XCTUnwrap(folder.weights.first)
        XCTAssertEqual(weights.path, "0_CLIPModel/model.safetensors")
        XCTAssertEqual(weights.format, .safetensors)
        XCTAssertEqual(weights.bytes, 10_951_212)
        XCTAssertEqual(weights.tensorCount, 78)
        XCTAssertEqual(weights.dtypes, ["F32": 78])
        XCTAssertEqual(weights.headerBytes, 8800)
        // Every float is 4 bytes, so the parameters fill the file after the header exactly.
        XCTAssertEqual(Int64(try XCTUnwrap(weights.parameterCount)) * 4 + 8 + 8800, weights.bytes)

        let report = folder.report()
        for expected in ["Layout: SentenceTransformers CLIP", "projection 32",
                         "vision: image 224, patch 32 (7x7 = 49 patches + class = 50 positions), hidden 64, layers 2, heads 4, MLP 256, activation quick_gelu",
                         "text: vocab 49408, positions 77, hidden 48, layers 2, heads 4, MLP 192",
                         "BPE (CLIPTokenizer), vocab 49408", "78 tensors [F32 x78]", "header 8800 bytes"] {
            XCTAssertTrue(report.contains(expected), "missing '\(expected)' in:\n\(report)")
        }
    }

    func testClipTinyBinCountsStoragesOfTheZipCheckpoint() throws {
        let folder = try ModelFolder(contentsOf: Fixtures.models.appendingPathComponent("clip-tiny-bin"))
        let weights = try XCTUnwrap(folder.weights.first)
        XCTAssertEqual(weights.path, "0_CLIPModel/pytorch_model.bin")
        XCTAssertEqual(weights.format, .pytorchZip)
        XCTAssertEqual(weights.storageCount, 80, "78 tensors + the two position_ids buffers")
        XCTAssertEqual(weights.tensorCount, 80)
        XCTAssertTrue(folder.report().contains("0_CLIPModel/pytorch_model.bin  pytorch zip  10969847 bytes (11.0 MB)  80 tensors  80 storages"), folder.report())
        let zip = try TorchCheckpoint(url: Fixtures.models.appendingPathComponent("clip-tiny-bin/0_CLIPModel/pytorch_model.bin"))
        XCTAssertEqual(zip.prefix, "pytorch_model")
        XCTAssertTrue(zip.entryNames.contains("pytorch_model/byteorder"))
    }

    func testMultilingualTextModel() throws {
        let folder = try ModelFolder(contentsOf: Fixtures.models.appendingPathComponent("mclip-tiny"))
        XCTAssertEqual(folder.layout, .sentenceTransformersText)
        XCTAssertEqual(folder.modules.map(\.kind), ["Transformer", "Pooling", "Dense"])
        XCTAssertEqual(folder.textEncoder, TransformerSummary(
            modelType: "distilbert", hiddenSize: 32, layers: 2, heads: 4, intermediateSize: 128, activation: "gelu",
            layerNormEps: 1e-12, vocabSize: 30522, maxPositions: 512))
        XCTAssertEqual(folder.maxSeqLength, 128)
        XCTAssertEqual(folder.pooling, PoolingSummary(path: "1_Pooling", dimension: 32, modes: ["mean"]))
        XCTAssertEqual(folder.dense, [DenseSummary(path: "2_Dense", inFeatures: 32, outFeatures: 32, bias: true, activation: "Identity")])
        XCTAssertFalse(folder.normalize)
        XCTAssertEqual(folder.tokenizer?.kind, "WordPiece")
        XCTAssertEqual(folder.tokenizer?.vocabSize, 30522)
        XCTAssertEqual(folder.tokenizer?.lowercase, true)
        XCTAssertNil(folder.imageProcessor)
        XCTAssertEqual(folder.weights.map(\.path), ["model.safetensors", "2_Dense/model.safetensors", "2_Dense/pytorch_model.bin"])
        XCTAssertEqual(folder.weights[0].tensorCount, 36)
        XCTAssertEqual(folder.weights[1].tensorCount, 2)
        XCTAssertEqual(folder.weights[1].parameterCount, 32 * 32 + 32)
        XCTAssertEqual(folder.weights[2].storageCount, 2)
        XCTAssertEqual(folder.weights[2].tensorCount, 2)
        let report = folder.report()
        XCTAssertTrue(report.contains("Pooling (1_Pooling): mean, dimension 32"), report)
        XCTAssertTrue(report.contains("Dense (2_Dense): 32 -> 32, bias true, activation Identity"), report)
        XCTAssertTrue(report.contains("Text encoder (distilbert): vocab 30522, positions 512, hidden 32, layers 2, heads 4, MLP 128"), report)
    }

    /// A plain Hugging Face CLIP folder (no modules.json) with the newer preprocessor keys and a config that
    /// leaves keys out (defaults) and carries the legacy *_config_dict overrides.
    func testPlainHuggingFaceCLIPFolderWithDefaultsAndLegacyDicts() throws {
        let dir = try temporaryFolder()
        try write(dir, "config.json", #"""
        {"model_type": "clip", "projection_dim": 512,
         "text_config": {"hidden_size": 1, "num_hidden_layers": 12},
         "text_config_dict": {"hidden_size": 512, "hidden_act": "gelu"},
         "vision_config": {"patch_size": 16, "image_size": 224, "hidden_size": 768},
         "vision_config_dict": null}
        """#)
        try write(dir, "preprocessor_config.json", #"{"size": {"shortest_edge": 224}, "crop_size": {"height": 224, "width": 224}, "resample": 3}"#)
        let folder = try ModelFolder(contentsOf: dir)
        XCTAssertEqual(folder.layout, .huggingFaceCLIP)
        XCTAssertEqual(folder.clip?.text.hiddenSize, 512)
        XCTAssertEqual(folder.clip?.text.activation, "gelu")
        XCTAssertEqual(folder.clip?.text.heads, 8, "CLIPTextConfig default")
        XCTAssertEqual(folder.clip?.vision.patchesPerSide, 14)
        XCTAssertEqual(folder.clip?.vision.layers, 12)
        XCTAssertEqual(folder.imageProcessor?.resizeShortestEdge, 224)
        XCTAssertEqual(folder.imageProcessor?.cropSize, 224)
    }

    func testPlainBertFolderAndSafetensorsWithMixedDtypes() throws {
        let dir = try temporaryFolder()
        try write(dir, "config.json", #"{"model_type": "bert", "hidden_size": 384, "num_hidden_layers": 6, "num_attention_heads": 12, "intermediate_size": 1536, "hidden_act": "gelu", "layer_norm_eps": 1e-12, "vocab_size": 30522, "max_position_embeddings": 512}"#)
        try write(dir, "vocab.txt", "[PAD]\n[UNK]\nhello\n")
        try writeSafetensors(dir.appendingPathComponent("model.safetensors"), tensors: [
            ("a", "F16", [2, 3]), ("b", "BF16", [4]), ("c", "F32", [5]),
        ])
        let folder = try ModelFolder(contentsOf: dir)
        XCTAssertEqual(folder.layout, .huggingFaceText)
        XCTAssertEqual(folder.textEncoder?.hiddenSize, 384)
        XCTAssertEqual(folder.textEncoder?.layers, 6)
        XCTAssertEqual(folder.tokenizer?.kind, "WordPiece")
        XCTAssertEqual(folder.tokenizer?.vocabSize, 3)
        XCTAssertEqual(folder.weights.first?.dtypes, ["F16": 1, "BF16": 1, "F32": 1])
        XCTAssertEqual(folder.weights.first?.parameterCount, 15)
    }

    func testBadFoldersGiveClearErrors() throws {
        let empty = try temporaryFolder()
        XCTAssertThrowsError(try ModelFolder(contentsOf: empty)) { error in
            XCTAssertTrue("\(error)".contains("neither modules.json nor config.json"), "\(error)")
        }
        XCTAssertThrowsError(try ModelFolder(contentsOf: empty.appendingPathComponent("nope"))) { error in
            XCTAssertTrue("\(error)".contains("not a folder"), "\(error)")
        }
        let broken = try temporaryFolder()
        try write(broken, "config.json", "{\"model_type\": \"bert\"}")
        // A truncated download: the header promises more data than the file has.
        try writeSafetensors(broken.appendingPathComponent("model.safetensors"), tensors: [("w", "F32", [1000])], truncateBy: 100)
        XCTAssertThrowsError(try ModelFolder(contentsOf: broken)) { error in
            XCTAssertTrue("\(error)".contains("points outside the file"), "\(error)")
        }
        try Data([1, 2, 3]).write(to: broken.appendingPathComponent("model.safetensors"))
        XCTAssertThrowsError(try ModelFolder(contentsOf: broken)) { error in
            XCTAssertTrue("\(error)".contains("too short"), "\(error)")
        }
        try write(broken, "config.json", "{not json")
        XCTAssertThrowsError(try ModelFolder(contentsOf: broken)) { error in
            XCTAssertTrue("\(error)".contains("not valid JSON"), "\(error)")
        }
    }

    /// The tensor count of a PyTorch checkpoint comes from its state dict, read by the restricted unpickler;
    /// a pickle it refuses leaves the count unknown while the storages are still counted from the zip.
    func testCheckpointWhosePickleIsRefusedStillCountsStorages() throws {
        let dir = try temporaryFolder()
        try write(dir, "config.json", #"{"model_type": "bert"}"#)
        // pickle.dumps of os.system('true'): GLOBAL 'posix system', args, REDUCE; plus one storage blob.
        let evil: [UInt8] = [0x80, 0x02] + Array("cposix\nsystem\n".utf8) + [0x58, 4, 0, 0, 0] + Array("true".utf8) + [0x85, 0x52, 0x2E]
        try writeStoredZip(dir.appendingPathComponent("pytorch_model.bin"),
                           entries: [("archive/data.pkl", evil), ("archive/data/0", [UInt8](repeating: 0, count: 8))])
        let weights = try XCTUnwrap(try ModelFolder(contentsOf: dir).weights.first)
        XCTAssertEqual(weights.format, .pytorchZip)
        XCTAssertEqual(weights.storageCount, 1)
        XCTAssertNil(weights.tensorCount, "the refused pickle is not counted")
        // A bare pickle (no zip) is torch.save's legacy format.
        try Data([0x80, 0x02, 0x8A, 0x0A]).write(to: dir.appendingPathComponent("pytorch_model.bin"))
        XCTAssertEqual(try ModelFolder(contentsOf: dir).weights.first?.format, .pytorchLegacy)
    }

    // MARK: helpers

    private func temporaryFolder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("modelfolder-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    private func write(_ dir: URL, _ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: dir.appendingPathComponent(name))
    }

    private func writeSafetensors(_ url: URL, tensors: [(String, String, [Int])], truncateBy: Int = 0) throws {
        let width = ["F32": 4, "F16": 2, "BF16": 2]
        var header: [String: Any] = ["__metadata__": ["format": "pt"]]
        var offset = 0
        for (name, dtype, shape) in tensors {
            let bytes = shape.reduce(1, *) * width[dtype]!
            header[name] = ["dtype": dtype, "shape": shape, "data_offsets": [offset, offset + bytes]]
            offset += bytes
        }
        let json = try JSONSerialization.data(withJSONObject: header)
        var data = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        data.append(Data(count: max(0, offset - truncateBy)))
        try data.write(to: url)
    }

    /// A zip of stored (uncompressed) entries, the way torch.save lays a checkpoint out. CRCs are left 0:
    /// the readers locate entries through the central directory and never check them.
    private func writeStoredZip(_ url: URL, entries: [(String, [UInt8])]) throws {
        var out: [UInt8] = []
        var central: [UInt8] = []
        func u16(_ v: Int, _ b: inout [UInt8]) { b += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func u32(_ v: Int, _ b: inout [UInt8]) { u16(v & 0xFFFF, &b); u16(v >> 16, &b) }
        for (name, data) in entries {
            let offset = out.count
            u32(0x0403_4B50, &out); u16(20, &out); u16(0, &out); u16(0, &out); u16(0, &out); u16(0, &out)
            u32(0, &out); u32(data.count, &out); u32(data.count, &out); u16(name.utf8.count, &out); u16(0, &out)
            out += Array(name.utf8) + data
            u32(0x0201_4B50, &central); u16(20, &central); u16(20, &central); u16(0, &central); u16(0, &central)
            u16(0, &central); u16(0, &central); u32(0, &central); u32(data.count, &central); u32(data.count, &central)
            u16(name.utf8.count, &central); u16(0, &central); u16(0, &central); u16(0, &central); u16(0, &central)
            u32(0, &central); u32(offset, &central)
            central += Array(name.utf8)
        }
        let centralOffset = out.count
        out += central
        u32(0x0605_4B50, &out); u16(0, &out); u16(0, &out); u16(entries.count, &out); u16(entries.count, &out)
        u32(central.count, &out); u32(centralOffset, &out); u16(0, &out)
        try Data(out).write(to: url)
    }
}
