import Foundation
import XCTest
import ModelFormats

/// Which kind of folder, where its transformer lives, and clear errors for folders that are neither.
final class ModelFolderLayoutTests: XCTestCase {
    static let models = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/fixtures/models")

    func fixture(_ name: String) throws -> URL {
        let url = Self.models.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else { throw XCTSkip("fixtures not found at \(url.path)") }
        return url
    }

    func testFixtureLayouts() throws {
        let clip = try ModelFolderLayout(folder: try fixture("clip-tiny"))
        XCTAssertEqual(clip.kind, .sentenceTransformersCLIP)
        XCTAssertEqual(clip.modelPath, "0_CLIPModel")
        XCTAssertTrue(clip.isCLIP)
        XCTAssertEqual(try clip.config.int("projection_dim"), 32)

        let plain = try ModelFolderLayout(folder: try fixture("clip-tiny/0_CLIPModel"))
        XCTAssertEqual(plain.kind, .huggingFaceCLIP)
        XCTAssertEqual(plain.modules, [])
        XCTAssertEqual(plain.modelFolder, plain.folder)

        let text = try ModelFolderLayout(folder: try fixture("mclip-tiny"))
        XCTAssertEqual(text.kind, .sentenceTransformersText)
        XCTAssertEqual(text.modules.map(\.kind), ["Transformer", "Pooling", "Dense"])
        XCTAssertEqual(text.mainModule?.path, "")
        XCTAssertFalse(text.isCLIP)
    }

    func testModulesAreOrderedByIdxAndPathsNormalised() throws {
        let dir = try temporaryFolder(self)
        try write(dir, "config.json", #"{"model_type": "bert"}"#)
        try write(dir, "modules.json", #"""
        [{"idx": 1, "name": "1", "path": "./1_Pooling/", "type": "sentence_transformers.models.Pooling"},
         {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"}]
        """#)
        let layout = try ModelFolderLayout(folder: dir)
        XCTAssertEqual(layout.modules.map(\.path), ["", "1_Pooling"])
        XCTAssertEqual(layout.kind, .sentenceTransformersText)
        XCTAssertEqual(layout.url("1_Pooling"), dir.appendingPathComponent("1_Pooling"))
    }

    func testBadFolders() throws {
        let dir = try temporaryFolder(self)
        func fails(_ expected: String, _ line: UInt = #line) {
            XCTAssertThrowsError(try ModelFolderLayout(folder: dir), line: line) {
                XCTAssertTrue("\($0)".contains(expected), "\($0)", line: line)
            }
        }
        fails("neither modules.json nor config.json")
        XCTAssertThrowsError(try ModelFolderLayout(folder: dir.appendingPathComponent("absent"))) {
            XCTAssertTrue("\($0)".contains("does not exist or is not a folder"), "\($0)")
        }
        try write(dir, "modules.json", "[]")
        fails("lists no modules")
        try write(dir, "modules.json", #"[{"path": "x", "type": "sentence_transformers.models.Pooling"}]"#)
        fails("neither a CLIPModel nor a Transformer module: sentence_transformers.models.Pooling")
        try write(dir, "modules.json", #"[{"path": "../elsewhere", "type": "sentence_transformers.models.Transformer"}]"#)
        fails("module path '../elsewhere' leaves the folder")
        try write(dir, "modules.json", #"[{"path": "0_CLIPModel", "type": "sentence_transformers.models.CLIPModel"}]"#)
        fails("0_CLIPModel/config.json: cannot read the file")
    }

    func testRelativePaths() {
        for bad in ["", "/etc/passwd", "a/../b", "..", "a//b", "a\\b", "./a"] { XCTAssertFalse(RelativePath.isSafe(bad), bad) }
        XCTAssertTrue(RelativePath.isSafe("0_CLIPModel/config.json"))
        XCTAssertEqual(RelativePath.normalizedFolder("./2_Dense/"), "2_Dense")
        XCTAssertEqual(RelativePath.normalizedFolder("."), "")
        XCTAssertEqual(RelativePath.join("", "config.json"), "config.json")
        XCTAssertEqual(RelativePath.join("1_Pooling", "config.json"), "1_Pooling/config.json")
    }

    private func write(_ dir: URL, _ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: dir.appendingPathComponent(name))
    }
}
