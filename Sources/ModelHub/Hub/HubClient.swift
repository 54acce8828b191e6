import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Talks to a Hugging Face hub (or anything serving its URL layout): lists a repository's files with
/// the sizes and hashes the hub reports, and builds the `resolve` URLs files are downloaded from.
public struct HubClient: Sendable {
    public let configuration: HubConfiguration

    public init(configuration: HubConfiguration) {
        self.configuration = configuration
    }

    /// `GET {endpoint}/api/models/{org}/{name}/revision/{rev}?blobs=true`
    public func listFiles(_ repo: HubRepoID, revision: String = "main") async throws -> RepoListing {
        let url = try apiURL(repo, revision: revision)
        let (response, body) = try await HTTPTransfer.get(
            url, headers: ["Accept": "application/json"], token: configuration.token,
            idleTimeout: configuration.idleTimeout, sink: nil)
        guard (200..<300).contains(response.status) else {
            throw classify(response, body: body, url: url, repo: repo, revision: revision, path: nil)
        }
        let payload: ModelInfoPayload
        do {
            payload = try JSONDecoder().decode(ModelInfoPayload.self, from: body)
        } catch {
            throw HubError.invalidResponse(url: url.absoluteString, message: "the model info is not the hub's JSON (\(error))")
        }
        guard let siblings = payload.siblings else {
            throw HubError.invalidResponse(url: url.absoluteString, message: "the model info has no 'siblings' file list")
        }
        let files = siblings.map { sibling in
            RemoteFile(path: sibling.rfilename,
                       size: sibling.lfs?.size ?? sibling.size,
                       sha256: sibling.lfs?.sha256?.lowercased())
        }
        return RepoListing(repo: repo, revision: revision, commit: payload.sha, files: files)
    }

    /// `{endpoint}/{org}/{name}/resolve/{revision}/{path}`, each path segment percent-encoded.
    public func resolveURL(_ repo: HubRepoID, revision: String, path: String) -> URL {
        let segments = [repo.organization, repo.name, "resolve", Self.encodeSegment(revision)]
            + path.split(separator: "/").map { Self.encodeSegment(String($0)) }
        return URL(string: configuration.endpointString + "/" + segments.joined(separator: "/"))!
    }

    func apiURL(_ repo: HubRepoID, revision: String) throws -> URL {
        let text = configuration.endpointString + "/api/models/\(repo.organization)/\(repo.name)/revision/"
            + Self.encodeSegment(revision) + "?blobs=true"
        guard let url = URL(string: text) else { throw HubError.invalidEndpoint(configuration.endpointString) }
        return url
    }

    /// Revisions like `refs/pr/1` must stay one path segment, so `/` is encoded too.
    static func encodeSegment(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    /// Maps a non-2xx answer to the most specific error, using the hub's X-Error-Code when present.
    func classify(_ response: TransferResponse, body: Data, url: URL, repo: HubRepoID,
                  revision: String, path: String?) -> HubError {
        let code = response.header("x-error-code") ?? ""
        var message = response.header("x-error-message") ?? ""
        if message.isEmpty, let json = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
           let error = json["error"] as? String {
            message = error
        }
        if message.isEmpty, let text = String(data: body.prefix(300), encoding: .utf8) {
            message = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        switch (response.status, code) {
        case (_, "RevisionNotFound"):
            return .revisionNotFound(repo: repo.description, revision: revision)
        case (_, "RepoNotFound"):
            return .repositoryNotFound(repo: repo.description, endpoint: configuration.endpointString, status: response.status)
        case (404, "EntryNotFound"):
            return .fileNotFound(repo: repo.description, path: path ?? "?", revision: revision)
        case (404, _), (401, _):
            // The hub answers 401 (not 404) for a repository that does not exist, to not reveal private ones.
            if let path, response.status == 404 {
                return .fileNotFound(repo: repo.description, path: path, revision: revision)
            }
            return .repositoryNotFound(repo: repo.description, endpoint: configuration.endpointString, status: response.status)
        case (403, _):
            return .accessDenied(url: url.absoluteString, status: 403, message: message)
        default:
            return .httpStatus(url: url.absoluteString, status: response.status, message: message)
        }
    }
}
