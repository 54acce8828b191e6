import Foundation

/// One file of a repository as the hub lists it.
public struct RemoteFile: Hashable, Sendable {
    /// Path inside the repository, `/`-separated (e.g. `0_CLIPModel/config.json`).
    public let path: String
    /// Size in bytes when the hub reports it (`?blobs=true`).
    public let size: Int64?
    /// SHA-256 of the content, reported for LFS files (`lfs.sha256`); plain git files have none.
    public let sha256: String?

    public init(path: String, size: Int64?, sha256: String?) {
        self.path = path
        self.size = size
        self.sha256 = sha256
    }

    public var directory: String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[..<slash])
    }

    public var fileName: String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}

/// A repository's files at one revision.
public struct RepoListing: Sendable {
    public let repo: HubRepoID
    public let revision: String
    /// The commit the revision resolved to (`sha`), used to download every file from the same commit.
    public let commit: String?
    public let files: [RemoteFile]
}

/// The JSON of `GET /api/models/{org}/{name}/revision/{rev}?blobs=true`:
/// `{"id": ..., "sha": "<commit>", "siblings": [{"rfilename": ..., "size": ..., "blobId": ..., "lfs": {"sha256": ..., "size": ..., "pointerSize": ...}}]}`.
struct ModelInfoPayload: Decodable {
    struct Sibling: Decodable {
        struct LFS: Decodable {
            let sha256: String?
            let size: Int64?
        }
        let rfilename: String
        let size: Int64?
        let lfs: LFS?
    }
    let id: String?
    let sha: String?
    let siblings: [Sibling]?
}
