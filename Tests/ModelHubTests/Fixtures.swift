import Foundation
import XCTest

/// Locates the shared fixtures: repo root is three levels above this file, shared/ sits beside the clone.
enum Fixtures {
    static let repoRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let shared: URL = {
        let candidates = [
            repoRoot.deletingLastPathComponent().appendingPathComponent("shared"),
            URL(fileURLWithPath: "/work/shared"),
        ]
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("fixtures").path) }
            ?? candidates[0]
    }()
    static let models = shared.appendingPathComponent("fixtures/models")

    /// An independent oracle for hashes: coreutils' sha256sum.
    static func sha256sum(_ file: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sha256sum", file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let line = String(data: out, encoding: .utf8),
              let hash = line.split(separator: " ").first else {
            throw XCTSkip("sha256sum is not available")
        }
        return String(hash)
    }
}
