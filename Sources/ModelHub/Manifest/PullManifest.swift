import Foundation
import Hashing
import ModelFormats

/// `.iris-manifest.json`, written into a model folder after a pull: where it came from and the size and
/// sha256 of every file, so `iris model verify` can later prove nothing changed or went missing.
public struct PullManifest: Codable, Equatable, Sendable {
    public static let fileName = ".iris-manifest.json"

    public var repo: String
    public var revision: String
    public var commit: String?
    public var endpoint: String
    public var pulledAt: String
    public var files: [DownloadedFile]

    public init(repo: String, revision: String, commit: String?, endpoint: String, pulledAt: Date = Date(),
                files: [DownloadedFile]) {
        self.repo = repo
        self.revision = revision
        self.commit = commit
        self.endpoint = endpoint
        self.pulledAt = ISO8601DateFormatter().string(from: pulledAt)
        self.files = files
    }

    public static func load(from folder: URL) throws -> PullManifest {
        let url = folder.appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw HubError.io(path: url.path, message: "no pull manifest here (was this folder made by `iris model pull`?)")
        }
        do {
            return try JSONDecoder().decode(PullManifest.self, from: data)
        } catch {
            throw HubError.io(path: url.path, message: "the pull manifest is not valid JSON: \(error)")
        }
    }

    /// Written to a temporary name and renamed, so a crash never leaves a half manifest.
    public func write(to folder: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let url = folder.appendingPathComponent(Self.fileName)
        do {
            try encoder.encode(self).write(to: url, options: .atomic)
        } catch {
            throw HubError.io(path: url.path, message: "cannot write the pull manifest: \(error.localizedDescription)")
        }
    }
}

/// One way a folder no longer matches its manifest.
public struct VerificationProblem: Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable { case missing, sizeMismatch, hashMismatch, unsafePath }
    public let path: String
    public let kind: Kind
    public let detail: String

    public var description: String { "\(path): \(detail)" }
}

public enum ManifestVerifier {
    /// Checks every file the manifest lists (size first, then sha256). An empty result means all is well.
    public static func verify(folder: URL, manifest: PullManifest) -> [VerificationProblem] {
        var problems: [VerificationProblem] = []
        for entry in manifest.files {
            guard RelativePath.isSafe(entry.path) else {
                problems.append(.init(path: entry.path, kind: .unsafePath, detail: "path leaves the model folder"))
                continue
            }
            let url = folder.appendingPathComponent(entry.path)
            guard let size = fileSize(url) else {
                problems.append(.init(path: entry.path, kind: .missing, detail: "missing"))
                continue
            }
            guard size == entry.size else {
                problems.append(.init(path: entry.path, kind: .sizeMismatch,
                                      detail: "size \(size) bytes, the manifest says \(entry.size)"))
                continue
            }
            let digest = (try? SHA256.hex(ofFileAt: url)) ?? "unreadable"
            if digest != entry.sha256 {
                problems.append(.init(path: entry.path, kind: .hashMismatch,
                                      detail: "sha256 \(digest), the manifest says \(entry.sha256)"))
            }
        }
        return problems
    }
}
