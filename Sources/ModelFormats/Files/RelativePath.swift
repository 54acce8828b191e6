/// Relative paths named by model repositories and folders (hub listings, modules.json `path`s).
public enum RelativePath {
    /// A path is only followed or written if it stays inside its folder: no absolute paths, no `..`,
    /// no empty, `.`, backslash or NUL components.
    public static func isSafe(_ path: String) -> Bool {
        guard !path.isEmpty, !path.hasPrefix("/"), !path.contains("\\"), !path.contains("\0") else { return false }
        return path.split(separator: "/", omittingEmptySubsequences: false)
            .allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
    }

    /// A folder path without leading `./` or trailing `/`; the folder itself is "".
    public static func normalizedFolder(_ path: String) -> String {
        var p = path
        while p.hasPrefix("./") { p.removeFirst(2) }
        while p.hasSuffix("/") { p.removeLast() }
        return p == "." ? "" : p
    }

    /// `folder/file`, or `file` when `folder` is the root ("").
    public static func join(_ folder: String, _ file: String) -> String { folder.isEmpty ? file : folder + "/" + file }
}
