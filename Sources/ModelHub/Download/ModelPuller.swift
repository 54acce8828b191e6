import Foundation
import ModelFormats

/// Pulls a model folder from the hub: lists the repository, picks the files the model needs, downloads
/// each one resumably (all from the same commit), and writes `.iris-manifest.json`.
public struct ModelPuller: Sendable {
    public let client: HubClient
    public let progress: ProgressReporter?

    public init(client: HubClient, progress: ProgressReporter? = nil) {
        self.client = client
        self.progress = progress
    }

    /// The default target folder: `<PERSISTENCE_DATA_PATH or ./data>/models/<org>/<name>`.
    public static func defaultFolder(for repo: HubRepoID,
                                     environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        let base = environment["PERSISTENCE_DATA_PATH"].flatMap { $0.isEmpty ? nil : $0 } ?? "./data"
        return URL(fileURLWithPath: base)
            .appendingPathComponent("models")
            .appendingPathComponent(repo.organization)
            .appendingPathComponent(repo.name)
    }

    @discardableResult
    public func pull(_ repo: HubRepoID, revision: String = "main", into folder: URL) async throws -> PullManifest {
        let listing = try await client.listFiles(repo, revision: revision)
        for file in listing.files where !RelativePath.isSafe(file.path) {
            throw HubError.unsafePath(file.path)
        }
        // Pin every download to the commit the listing resolved, so a push mid-pull cannot mix revisions.
        let pinned = listing.commit ?? revision
        let downloader = ResumableDownloader(
            configuration: client.configuration, progress: progress,
            classify: { [client] response, body, url, path in
                client.classify(response, body: body, url: url, repo: repo, revision: revision, path: path)
            })

        var results: [String: DownloadedFile] = [:]
        func fetch(_ file: RemoteFile) async throws {
            let result = try await downloader.download(
                from: client.resolveURL(repo, revision: pinned, path: file.path),
                to: folder.appendingPathComponent(file.path), label: file.path,
                expectedSize: file.size, expectedSHA256: file.sha256)
            results[file.path] = result
        }

        var modulePaths: [String] = []
        if let modules = listing.files.first(where: { $0.path == "modules.json" }) {
            try await fetch(modules)
            modulePaths = try ModuleEntry.read(folder.appendingPathComponent("modules.json")).map(\.path)
        }
        let selected = FileSelection.select(from: listing.files, modulePaths: modulePaths)
        guard selected.contains(where: { $0.fileName == "config.json" || $0.fileName == "modules.json" }) else {
            throw HubError.noModelFiles(repo: repo.description)
        }
        progress?.message("\(repo) @ \(revision)\(listing.commit.map { " (\($0.prefix(12)))" } ?? ""): "
                          + "\(selected.count) of \(listing.files.count) files -> \(folder.path)")
        for file in selected where results[file.path] == nil {
            try await fetch(file)
        }

        let manifest = PullManifest(
            repo: repo.description, revision: revision, commit: listing.commit,
            endpoint: client.configuration.endpointString,
            files: selected.compactMap { results[$0.path] })
        try manifest.write(to: folder)
        return manifest
    }
}
