import Foundation
import XCTest
@testable import ModelHub

/// End-to-end pulls over real loopback HTTP from a server that speaks the hub's URL layout.
final class PullTests: XCTestCase {
    private var server: LoopbackHubServer!
    private var workDir: URL!

    override func setUpWithError() throws {
        server = try LoopbackHubServer()
        for name in ["clip-tiny", "clip-tiny-bin", "mclip-tiny"] {
            try server.addRepo("fixtures/\(name)", folder: Fixtures.models.appendingPathComponent(name),
                               extraFiles: Self.filesAModelDoesNotNeed, hash: Fixtures.sha256sum)
        }
        workDir = FileManager.default.temporaryDirectory.appendingPathComponent("modelhub-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: workDir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        server.stop()
        try? FileManager.default.removeItem(at: workDir)
    }

    /// Files real hub repositories carry that a model folder does not need.
    static let filesAModelDoesNotNeed: [String: Data] = [
        "README.md": Data("# card\n".utf8),
        ".gitattributes": Data("*.bin filter=lfs\n".utf8),
        "onnx/model.onnx": Data(repeating: 7, count: 100),
        "onnx/config.json": Data("{}".utf8),
        "openvino/openvino_model.xml": Data("<xml/>".utf8),
        "tf_model.h5": Data(repeating: 1, count: 50),
    ]

    private func puller(maxAttempts: Int = 4, token: String? = nil) throws -> ModelPuller {
        let configuration = try HubConfiguration(endpoint: server.endpoint, token: token, idleTimeout: 10, maxAttempts: maxAttempts)
        return ModelPuller(client: HubClient(configuration: configuration))
    }

    /// Every fixture file the model needs, relative to its folder (the .bin beside a .safetensors excluded).
    private func expectedFiles(_ name: String) throws -> [String] {
        let root = Fixtures.models.appendingPathComponent(name)
        let base = root.standardizedFileURL.path
        var out: [String] = []
        for case let url as URL in FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)! {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), !isDir.boolValue else { continue }
            out.append(String(url.standardizedFileURL.path.dropFirst(base.count + 1)))
        }
        return out.filter { $0 != "2_Dense/pytorch_model.bin" }.sorted()
    }

    private func assertSameBytes(_ name: String, in folder: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        for path in try expectedFiles(name) {
            let want = try Data(contentsOf: Fixtures.models.appendingPathComponent(name).appendingPathComponent(path))
            let got = try Data(contentsOf: folder.appendingPathComponent(path))
            XCTAssertEqual(got, want, "\(path) differs", file: file, line: line)
        }
    }

    /// All regular files under `folder` (relative), to prove nothing extra was written.
    private func filesOnDisk(_ folder: URL) -> [String] {
        let base = folder.standardizedFileURL.path
        var out: [String] = []
        for case let url as URL in FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)! {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), !isDir.boolValue {
                out.append(String(url.standardizedFileURL.path.dropFirst(base.count + 1)))
            }
        }
        return out.sorted()
    }

    func testPullClipTinyGetsEveryByteAndOnlyWhatTheModelNeeds() async throws {
        let target = workDir.appendingPathComponent("clip-tiny")
        let manifest = try await puller().pull(try HubRepoID("fixtures/clip-tiny"), into: target)
        let expected = try expectedFiles("clip-tiny")
        XCTAssertEqual(filesOnDisk(target), (expected + [PullManifest.fileName]).sorted())
        try assertSameBytes("clip-tiny", in: target)
        XCTAssertEqual(manifest.files.map(\.path).sorted(), expected)
        let weights = try XCTUnwrap(manifest.files.first { $0.path == "0_CLIPModel/model.safetensors" })
        XCTAssertEqual(weights.sha256, try Fixtures.sha256sum(target.appendingPathComponent(weights.path)))
        XCTAssertEqual(weights.size, 10_951_212)
        XCTAssertEqual(manifest.commit?.count, 40)
        // Every download after the listing used the pinned commit, and LFS files went through the redirect.
        let resolves = server.requests.filter { $0.path.contains("/resolve/") }
        XCTAssertFalse(resolves.isEmpty)
        XCTAssertTrue(resolves.allSatisfy { $0.path.contains("/resolve/\(manifest.commit!)/") })
        XCTAssertTrue(server.requests.contains { $0.path == "/cdn/fixtures/clip-tiny/0_CLIPModel/model.safetensors" && $0.status == 200 })
        XCTAssertTrue(ManifestVerifier.verify(folder: target, manifest: try PullManifest.load(from: target)).isEmpty)
    }

    func testPullMultilingualPrefersSafetensorsInModuleFolders() async throws {
        let target = workDir.appendingPathComponent("mclip")
        try await puller().pull(try HubRepoID("fixtures/mclip-tiny"), into: target)
        XCTAssertEqual(filesOnDisk(target), (try expectedFiles("mclip-tiny") + [PullManifest.fileName]).sorted())
        XCTAssertFalse(FileManager.default.fileExists(atPath: target.appendingPathComponent("2_Dense/pytorch_model.bin").path))
        try assertSameBytes("mclip-tiny", in: target)
    }

    func testPullTakesPyTorchBinWhenThereIsNoSafetensors() async throws {
        let target = workDir.appendingPathComponent("bin")
        try await puller().pull(try HubRepoID("fixtures/clip-tiny-bin"), into: target)
        try assertSameBytes("clip-tiny-bin", in: target)
        XCTAssertTrue(FileManager.default.fileExists(atPath: target.appendingPathComponent("0_CLIPModel/pytorch_model.bin").path))
    }

    func testResumesFromAPartFileWithARangeRequest() async throws {
        let target = workDir.appendingPathComponent("resume")
        let weights = "0_CLIPModel/model.safetensors"
        let original = try Data(contentsOf: Fixtures.models.appendingPathComponent("clip-tiny/\(weights)"))
        let partURL = target.appendingPathComponent(weights + ".part")
        try FileManager.default.createDirectory(at: partURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        let half = 4_000_001
        try original.prefix(half).write(to: partURL)

        try await puller().pull(try HubRepoID("fixtures/clip-tiny"), into: target)

        try assertSameBytes("clip-tiny", in: target)
        XCTAssertFalse(FileManager.default.fileExists(atPath: partURL.path))
        let cdn = server.requests.filter { $0.path.hasSuffix(weights) && $0.path.hasPrefix("/cdn/") }
        XCTAssertEqual(cdn.count, 1)
        XCTAssertEqual(cdn.first?.range, "bytes=\(half)-")
        XCTAssertEqual(cdn.first?.status, 206)
    }

    func testConnectionDroppedMidwayIsResumedAutomatically() async throws {
        let target = workDir.appendingPathComponent("dropped")
        let weights = "0_CLIPModel/model.safetensors"
        server.dropConnection(for: weights, afterBytes: 3_000_000, times: 2)

        try await puller().pull(try HubRepoID("fixtures/clip-tiny"), into: target)

        try assertSameBytes("clip-tiny", in: target)
        let cdn = server.requests.filter { $0.path == "/cdn/fixtures/clip-tiny/\(weights)" }
        XCTAssertEqual(cdn.count, 3, "two broken transfers, then one that finished")
        XCTAssertNil(cdn[0].range)
        // Each retry asked only for the bytes still missing.
        XCTAssertEqual(cdn[1].range, "bytes=3000000-")
        XCTAssertEqual(cdn[2].range, "bytes=6000000-")
    }

    func testGivesUpWithAClearErrorWhenDropsPersistButKeepsThePartFile() async throws {
        let target = workDir.appendingPathComponent("gaveup")
        let weights = "0_CLIPModel/model.safetensors"
        server.dropConnection(for: weights, afterBytes: 1_000_000, times: 10)
        do {
            try await puller(maxAttempts: 2).pull(try HubRepoID("fixtures/clip-tiny"), into: target)
            XCTFail("expected a network error")
        } catch let error as HubError {
            guard case .network = error else { return XCTFail("unexpected \(error)") }
            XCTAssertTrue(error.description.contains("network error talking to"), error.description)
        }
        XCTAssertEqual(fileSize(target.appendingPathComponent(weights + ".part")), 2_000_000)
        XCTAssertFalse(FileManager.default.fileExists(atPath: target.appendingPathComponent(weights).path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: target.appendingPathComponent(PullManifest.fileName).path))
        // A later pull picks up where it stopped.
        server.dropConnection(for: weights, afterBytes: 0, times: 0)
        server.clearLog()
        try await puller().pull(try HubRepoID("fixtures/clip-tiny"), into: target)
        try assertSameBytes("clip-tiny", in: target)
        XCTAssertEqual(server.requests.first { $0.path.hasPrefix("/cdn/") && $0.path.hasSuffix(weights) }?.range, "bytes=2000000-")
    }

    func testServerWithoutRangeSupportRestartsTheFile() async throws {
        let target = workDir.appendingPathComponent("norange")
        let weights = "0_CLIPModel/model.safetensors"
        let original = try Data(contentsOf: Fixtures.models.appendingPathComponent("clip-tiny/\(weights)"))
        let partURL = target.appendingPathComponent(weights + ".part")
        try FileManager.default.createDirectory(at: partURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        try original.prefix(123_456).write(to: partURL)
        server.setIgnoreRange(true)
        try await puller().pull(try HubRepoID("fixtures/clip-tiny"), into: target)
        try assertSameBytes("clip-tiny", in: target)
    }

    func testHashMismatchIsDetectedAndNothingIsInstalled() async throws {
        let target = workDir.appendingPathComponent("badhash")
        let weights = "0_CLIPModel/model.safetensors"
        let wrong = String(repeating: "ab", count: 32)
        server.reportSHA256(wrong, for: weights)
        do {
            try await puller().pull(try HubRepoID("fixtures/clip-tiny"), into: target)
            XCTFail("expected a hash mismatch")
        } catch let error as HubError {
            guard case .hashMismatch(let path, let expected, let actual) = error else { return XCTFail("unexpected \(error)") }
            XCTAssertEqual(path, weights)
            XCTAssertEqual(expected, wrong)
            XCTAssertEqual(actual, try Fixtures.sha256sum(Fixtures.models.appendingPathComponent("clip-tiny/\(weights)")))
            XCTAssertTrue(error.description.contains("sha256 mismatch"), error.description)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: target.appendingPathComponent(weights).path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: target.appendingPathComponent(weights + ".part").path))
    }

    func testCorruptPartFileIsCaughtByTheHashAndDownloadedAgain() async throws {
        let target = workDir.appendingPathComponent("corrupt")
        let weights = "0_CLIPModel/model.safetensors"
        let partURL = target.appendingPathComponent(weights + ".part")
        try FileManager.default.createDirectory(at: partURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(repeating: 0x5A, count: 500_000).write(to: partURL)
        try await puller().pull(try HubRepoID("fixtures/clip-tiny"), into: target)
        try assertSameBytes("clip-tiny", in: target)
        let cdn = server.requests.filter { $0.path.hasPrefix("/cdn/") && $0.path.hasSuffix(weights) }
        XCTAssertEqual(cdn.map(\.range), ["bytes=500000-", nil])
    }

    func testUnknownRepositoryGivesAClearError() async throws {
        do {
            try await puller().pull(try HubRepoID("fixtures/no-such-model"), into: workDir.appendingPathComponent("x"))
            XCTFail("expected an error")
        } catch let error as HubError {
            XCTAssertEqual(error, .repositoryNotFound(repo: "fixtures/no-such-model", endpoint: server.endpoint, status: 401))
            XCTAssertTrue(error.description.contains("'fixtures/no-such-model' was not found"), error.description)
        }
    }

    func testUnknownRevisionGivesAClearError() async throws {
        do {
            try await puller().pull(try HubRepoID("fixtures/clip-tiny"), revision: "v9", into: workDir.appendingPathComponent("x"))
            XCTFail("expected an error")
        } catch let error as HubError {
            XCTAssertEqual(error, .revisionNotFound(repo: "fixtures/clip-tiny", revision: "v9"))
        }
    }

    func testNetworkDownGivesAClearError() async throws {
        let port = server.port
        server.stop()
        let configuration = try HubConfiguration(endpoint: "http://127.0.0.1:\(port)", idleTimeout: 5)
        do {
            try await ModelPuller(client: HubClient(configuration: configuration))
                .pull(try HubRepoID("fixtures/clip-tiny"), into: workDir.appendingPathComponent("x"))
            XCTFail("expected an error")
        } catch let error as HubError {
            guard case .network(_, let message) = error else { return XCTFail("unexpected \(error)") }
            XCTAssertTrue(message.contains("connection refused"), message)
        }
    }

    func testTokenIsSentAsBearerHeader() async throws {
        server.requireToken("s3cret")
        do {
            try await puller().pull(try HubRepoID("fixtures/mclip-tiny"), into: workDir.appendingPathComponent("denied"))
            XCTFail("expected an error without the token")
        } catch let error as HubError {
            guard case .repositoryNotFound = error else { return XCTFail("unexpected \(error)") }
        }
        let target = workDir.appendingPathComponent("allowed")
        try await puller(token: "s3cret").pull(try HubRepoID("fixtures/mclip-tiny"), into: target)
        try assertSameBytes("mclip-tiny", in: target)
        XCTAssertTrue(server.requests.filter { !$0.path.hasPrefix("/cdn/") && $0.status == 200 }
            .allSatisfy { $0.authorization == "Bearer s3cret" })
    }

    func testSecondPullKeepsVerifiedLFSFiles() async throws {
        let target = workDir.appendingPathComponent("again")
        try await puller().pull(try HubRepoID("fixtures/clip-tiny"), into: target)
        server.clearLog()
        try await puller().pull(try HubRepoID("fixtures/clip-tiny"), into: target)
        XCTAssertFalse(server.requests.contains { $0.path.hasSuffix("model.safetensors") })
        try assertSameBytes("clip-tiny", in: target)
    }

    func testVerifyReportsChangedAndMissingFiles() async throws {
        let target = workDir.appendingPathComponent("verify")
        try await puller().pull(try HubRepoID("fixtures/mclip-tiny"), into: target)
        let manifest = try PullManifest.load(from: target)
        XCTAssertEqual(ManifestVerifier.verify(folder: target, manifest: manifest), [])

        // Same size, one byte flipped: only the hash can tell.
        let weights = target.appendingPathComponent("model.safetensors")
        var bytes = try Data(contentsOf: weights)
        bytes[bytes.count - 1] ^= 0xFF
        try bytes.write(to: weights)
        try FileManager.default.removeItem(at: target.appendingPathComponent("vocab.txt"))
        try Data("{}".utf8).write(to: target.appendingPathComponent("2_Dense/config.json"))

        let problems = ManifestVerifier.verify(folder: target, manifest: manifest)
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: problems.map { ($0.path, $0.kind) }), [
            "model.safetensors": .hashMismatch, "vocab.txt": .missing, "2_Dense/config.json": .sizeMismatch,
        ])
    }

    func testTokenDoesNotFollowTheRedirectToAnotherHost() async throws {
        server.requireToken("s3cret")
        server.setCDNHost("localhost")
        let target = workDir.appendingPathComponent("cdn")
        try await puller(token: "s3cret").pull(try HubRepoID("fixtures/clip-tiny"), into: target)
        try assertSameBytes("clip-tiny", in: target)
        let cdn = server.requests.filter { $0.path.hasPrefix("/cdn/") }
        XCTAssertFalse(cdn.isEmpty)
        XCTAssertTrue(cdn.allSatisfy { $0.authorization == nil }, "\(cdn.map(\.authorization))")
        XCTAssertTrue(server.requests.filter { $0.path.contains("/resolve/") }.allSatisfy { $0.authorization == "Bearer s3cret" })
    }

    func testLinkedEtagIsCheckedWhenTheListingHasNoHash() async throws {
        server.setListingWithoutHashes(true)
        let weights = "0_CLIPModel/model.safetensors"
        server.reportSHA256(String(repeating: "cd", count: 32), for: weights)
        do {
            try await puller().pull(try HubRepoID("fixtures/clip-tiny"), into: workDir.appendingPathComponent("etag"))
            XCTFail("expected a hash mismatch from X-Linked-Etag")
        } catch let error as HubError {
            guard case .hashMismatch(let path, let expected, _) = error else { return XCTFail("unexpected \(error)") }
            XCTAssertEqual(path, weights)
            XCTAssertEqual(expected, String(repeating: "cd", count: 32))
        }
        // With a truthful header the same pull succeeds.
        server.reportSHA256(try Fixtures.sha256sum(Fixtures.models.appendingPathComponent("clip-tiny/\(weights)")), for: weights)
        let target = workDir.appendingPathComponent("etag-ok")
        try await puller().pull(try HubRepoID("fixtures/clip-tiny"), into: target)
        try assertSameBytes("clip-tiny", in: target)
    }

    /// A non-LFS file has no hash to prove a full-size .part right, so it is fetched again rather than trusted.
    func testFullSizePartOfAFileWithoutHashIsNotTrusted() async throws {
        let target = workDir.appendingPathComponent("stale")
        let config = "0_CLIPModel/config.json"
        let size = try Data(contentsOf: Fixtures.models.appendingPathComponent("clip-tiny/\(config)")).count
        let partURL = target.appendingPathComponent(config + ".part")
        try FileManager.default.createDirectory(at: partURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(repeating: 0x20, count: size).write(to: partURL)
        try await puller().pull(try HubRepoID("fixtures/clip-tiny"), into: target)
        try assertSameBytes("clip-tiny", in: target)
        XCTAssertEqual(server.requests.filter { $0.path.hasSuffix("/\(config)") }.map(\.range), [nil])
    }

    func testFileMissingOnTheServerNamesTheFile() async throws {
        server.removeFile("0_CLIPModel/merges.txt", from: "fixtures/clip-tiny", keepListed: true)
        do {
            try await puller().pull(try HubRepoID("fixtures/clip-tiny"), into: workDir.appendingPathComponent("missing"))
            XCTFail("expected an error")
        } catch let error as HubError {
            XCTAssertEqual(error, .fileNotFound(repo: "fixtures/clip-tiny", path: "0_CLIPModel/merges.txt", revision: "main"))
        }
    }
}
