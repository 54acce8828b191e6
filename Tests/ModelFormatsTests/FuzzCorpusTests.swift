import Foundation
import XCTest
@testable import ModelFormats

/// Replays fuzz/corpus/{unpickle,checkpoint,safetensors} (fuzz/README.md) through the harnesses' calls:
/// every seed is a valid file whose tensors load.
final class ModelFormatsFuzzCorpusTests: XCTestCase {
    func testUnpickleSeeds() throws {
        let seeds = try corpus("unpickle")
        XCTAssertGreaterThan(seeds.count, 2)
        for (name, data) in seeds {
            var unpickler = RestrictedUnpickler([UInt8](data), label: name)
            XCTAssertNoThrow(try unpickler.run(), name)
        }
    }

    func testCheckpointSeeds() throws {
        for (name, data) in try corpus("checkpoint") {
            let checkpoint = try TorchCheckpoint(url: try write(data, "pytorch_model.bin"))
            XCTAssertFalse(checkpoint.tensorNames.isEmpty, name)
            for tensor in checkpoint.tensorNames { XCTAssertNoThrow(try checkpoint.load(tensor), "\(name): \(tensor)") }
        }
    }

    func testSafeTensorsSeeds() throws {
        for (name, data) in try corpus("safetensors") {
            let file = try SafeTensorsFile(url: try write(data, "model.safetensors"))
            XCTAssertFalse(file.tensorNames.isEmpty, name)
            for tensor in file.tensorNames { XCTAssertNoThrow(try file.load(tensor), "\(name): \(tensor)") }
        }
    }

    private func write(_ data: Data, _ name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("iris-fuzz-seeds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent(name)
        try data.write(to: url)
        return url
    }

    private func corpus(_ harness: String) throws -> [(String, Data)] {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = repo.appendingPathComponent("fuzz/corpus/\(harness)")
        return try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
            .map { ($0, try Data(contentsOf: dir.appendingPathComponent($0))) }
    }
}
