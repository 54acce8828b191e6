import Foundation
import XCTest
import ModelFormats
@testable import ModelHub

final class HubBasicsTests: XCTestCase {
    func testRepoIDParsing() throws {
        let id = try HubRepoID("sentence-transformers/clip-ViT-B-32-multilingual-v1")
        XCTAssertEqual(id.organization, "sentence-transformers")
        XCTAssertEqual(id.name, "clip-ViT-B-32-multilingual-v1")
        for bad in ["clip", "a/b/c", "/x", "x/", "../x", "a/..", "a b/c", "org/na?me"] {
            XCTAssertThrowsError(try HubRepoID(bad), bad) { error in
                XCTAssertTrue("\(error)".contains("expected ORG/NAME"), "\(error)")
            }
        }
    }

    func testEndpointFromEnvironment() throws {
        XCTAssertEqual(try HubConfiguration.fromEnvironment([:]).endpoint.absoluteString, "https://huggingface.co")
        let custom = try HubConfiguration.fromEnvironment(["HF_ENDPOINT": "http://127.0.0.1:9/", "HF_TOKEN": "t"])
        XCTAssertEqual(custom.endpoint.absoluteString, "http://127.0.0.1:9")
        XCTAssertEqual(custom.token, "t")
        XCTAssertNil(try HubConfiguration.fromEnvironment(["HF_TOKEN": ""]).token)
        XCTAssertThrowsError(try HubConfiguration.fromEnvironment(["HF_ENDPOINT": "ftp://x"])) { error in
            XCTAssertTrue("\(error)".contains("HF_ENDPOINT"), "\(error)")
        }
    }

    func testResolveURLLayout() throws {
        let client = HubClient(configuration: try HubConfiguration(endpoint: "https://hub.example/mirror/"))
        let repo = try HubRepoID("org/name")
        XCTAssertEqual(client.resolveURL(repo, revision: "main", path: "0_CLIPModel/model.safetensors").absoluteString,
                       "https://hub.example/mirror/org/name/resolve/main/0_CLIPModel/model.safetensors")
        XCTAssertEqual(client.resolveURL(repo, revision: "refs/pr/1", path: "a b.json").absoluteString,
                       "https://hub.example/mirror/org/name/resolve/refs%2Fpr%2F1/a%20b.json")
        XCTAssertEqual(try client.apiURL(repo, revision: "v1.0").absoluteString,
                       "https://hub.example/mirror/api/models/org/name/revision/v1.0?blobs=true")
    }

    func testDefaultFolder() throws {
        let repo = try HubRepoID("org/name")
        XCTAssertEqual(ModelPuller.defaultFolder(for: repo, environment: ["PERSISTENCE_DATA_PATH": "/var/lib/iris"]).path,
                       "/var/lib/iris/models/org/name")
        XCTAssertTrue(ModelPuller.defaultFolder(for: repo, environment: [:]).path.hasSuffix("/data/models/org/name"))
    }

    /// The file list of the real sentence-transformers/clip-ViT-B-32-multilingual-v1 style repo plus the
    /// extras hub repos often carry (ONNX/OpenVINO exports, other frameworks' weights).
    func testSelectionKeepsWhatAModelNeeds() {
        let listing = [
            ".gitattributes", "README.md", "config.json", "config_sentence_transformers.json", "modules.json",
            "pytorch_model.bin", "model.safetensors", "sentence_bert_config.json", "special_tokens_map.json",
            "tokenizer.json", "tokenizer_config.json", "vocab.txt", "tf_model.h5", "flax_model.msgpack", "rust_model.ot",
            "1_Pooling/config.json", "2_Dense/config.json", "2_Dense/pytorch_model.bin",
            "onnx/model.onnx", "onnx/config.json", "openvino/openvino_model.bin", "openvino/openvino_model.xml",
        ].map { RemoteFile(path: $0, size: nil, sha256: nil) }
        let chosen = FileSelection.select(from: listing, modulePaths: ["", "1_Pooling", "2_Dense"]).map(\.path)
        XCTAssertEqual(chosen, [
            "1_Pooling/config.json", "2_Dense/config.json", "2_Dense/pytorch_model.bin",
            "config.json", "config_sentence_transformers.json", "model.safetensors", "modules.json",
            "sentence_bert_config.json", "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt",
        ])
    }

    func testSelectionOfShardedSafetensorsAndPlainCLIP() {
        let listing = ["config.json", "preprocessor_config.json", "vocab.json", "merges.txt",
                       "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json",
                       "pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin", "pytorch_model.bin.index.json",
                       "sub/config.json"]
            .map { RemoteFile(path: $0, size: nil, sha256: nil) }
        XCTAssertEqual(FileSelection.select(from: listing, modulePaths: []).map(\.path), [
            "config.json", "merges.txt", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
            "model.safetensors.index.json", "preprocessor_config.json", "vocab.json",
        ])
    }

    func testUnsafePathsAreRefused() {
        for bad in ["../x", "a/../../x", "/etc/passwd", "a//b", "./a", ""] {
            XCTAssertFalse(RelativePath.isSafe(bad), bad)
        }
        XCTAssertTrue(RelativePath.isSafe("0_CLIPModel/config.json"))
    }

    func testContentRangeAndEtagParsing() {
        XCTAssertEqual(PartFileSink.parseContentRange("bytes 100-199/1000")?.start, 100)
        XCTAssertEqual(PartFileSink.parseContentRange("bytes 100-199/1000")?.total, 1000)
        XCTAssertNil(PartFileSink.parseContentRange("bytes 100-199/*")?.total)
        XCTAssertNil(PartFileSink.parseContentRange("items 1-2/3"))
        let sha = String(repeating: "aB", count: 32)
        XCTAssertEqual(ResumableDownloader.sha256FromEtag("\"\(sha)\""), sha.lowercased())
        XCTAssertEqual(ResumableDownloader.sha256FromEtag("W/\"\(sha)\""), sha.lowercased())
        XCTAssertNil(ResumableDownloader.sha256FromEtag("\"\(String(repeating: "a", count: 40))\""), "a git sha1 is not a sha256")
    }
}
