import ArgumentParser
import Foundation

/// `iris import DIR --class NAME`: a folder of images (plus optional texts) into a class through the
/// REST batch API, so the server vectorises them (multi2vec-clip) exactly as any client's import.
///
/// Ids are UUID v5 of each file's relative path (`ImportIdentifiers`), and files whose object already
/// exists are skipped (one HEAD each), so an interrupted import resumes where it stopped.
struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a folder of images (and optional texts keyed by file name) into a class over the REST batch API.",
        discussion: """
        Every .jpg/.jpeg/.png/.gif/.bmp/.webp file under DIR (recursively, hidden files skipped) becomes one \
        object {IMAGE_FIELD: <base64 file>, TEXT_FIELD: <its text, if any>} whose id is the UUID v5 of its path \
        relative to DIR in the namespace \(ImportIdentifiers.namespace.uuidString.lowercased()). Objects that \
        already exist are skipped, so running the same command again after an interruption finishes the job \
        without duplicates.

        --text-file: a CSV with a header row, or JSONL objects. The file name goes in a column named file \
        (or filename, path, image), the text in one named like --text-field (or text). Keys may be relative \
        paths or bare file names. Files the server cannot decode are reported and skipped.

        Progress goes to stderr, the summary to stdout. Exit status: 0 when at least one file was imported or \
        all were present already; 1 on a fatal error or when every file failed.
        """
    )

    @Argument(help: "The folder of images.")
    var dir: String

    @Option(name: .customLong("class"), help: "The class to import into (it must exist).")
    var className: String

    @Option(name: .customLong("text-file"), help: "A CSV or JSONL file of texts keyed by file name.")
    var textFile: String?

    @Option(name: .customLong("image-field"), help: "The blob property that receives the image.")
    var imageField = "image"

    @Option(name: .customLong("text-field"), help: "The text property that receives the file's text.")
    var textField = "name"

    @Option(name: .customLong("path-field"), help: "Also store the relative path in this text property.")
    var pathField: String?

    @Option(help: "The server's address.")
    var url = "http://127.0.0.1:8080"

    @Option(name: .customLong("batch-size"), help: "Objects per batch request.")
    var batchSize = 32

    @Option(help: "Batch requests in flight at once (keeps the server busy between batches).")
    var parallel = 2

    @Option(name: .customLong("api-key"), help: "An API key (sent as Authorization: Bearer). Env: IRIS_API_KEY.")
    var apiKey: String?

    @Flag(name: .customLong("no-skip-existing"), help: "Send every file, overwriting objects that already exist.")
    var noSkipExisting = false

    @Flag(help: "No progress bar.")
    var quiet = false

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        guard parallel > 0 else { throw ValidationError("--parallel must be positive") }
        guard let u = URL(string: url), u.scheme == "http" || u.scheme == "https" else {
            throw ValidationError("--url must be an http(s) URL, got '\(url)'")
        }
    }

    func run() async throws {
        do {
            try await importFolder()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    private func importFolder() async throws {
        let folder = URL(fileURLWithPath: dir)
        let files = try ImportInputs.imageFiles(in: folder)
        guard !files.isEmpty else { throw ImportError("no image files (\(ImportInputs.imageExtensions.sorted().joined(separator: ", "))) under \(dir)") }
        let texts = try textFile.map { try ImportInputs.texts(from: URL(fileURLWithPath: $0), textColumn: textField) } ?? [:]
        if !texts.isEmpty {
            let keys = Set(files.flatMap { [$0.relativePath, $0.url.lastPathComponent] })
            let unmatched = texts.keys.filter { !keys.contains($0) }.count
            if unmatched > 0 { warn("\(unmatched) of \(texts.count) texts match no image file") }
        }

        let client = ImportClient(baseURL: URL(string: url)!, apiKey: apiKey ?? ProcessInfo.processInfo.environment["IRIS_API_KEY"])
        let definition = try await client.classDefinition(className)
        let cls = definition["class"] as? String ?? className
        try checkProperties(definition)

        let progress = ImportProgress(total: files.count, quiet: quiet)
        let started = Date()
        let batches = stride(from: 0, to: files.count, by: batchSize).map { Array(files[$0..<min($0 + batchSize, files.count)]) }
        var outcome = Outcome()
        try await withThrowingTaskGroup(of: Outcome.self) { group in
            var next = 0
            func launch() {
                let batch = batches[next]
                next += 1
                group.addTask { try await self.send(batch, className: cls, texts: texts, client: client, progress: progress) }
            }
            while next < batches.count && next < parallel { launch() }
            while let finished = try await group.next() {
                outcome.merge(finished)
                if next < batches.count { launch() }
            }
        }
        progress.finish()

        let seconds = Date().timeIntervalSince(started)
        let rate = seconds > 0 ? Double(outcome.imported) / seconds : 0
        print("imported \(outcome.imported) of \(files.count) images into \(cls) in \(String(format: "%.1f", seconds)) s "
              + "(\(String(format: "%.1f", rate)) img/s); \(outcome.skipped) already present; \(outcome.failures.count) failed")
        for (path, message) in outcome.failures.sorted(by: { $0.0 < $1.0 }) {
            print("  skipped \(path): \(message)")
        }
        if !outcome.failures.isEmpty && outcome.imported == 0 && outcome.skipped == 0 { throw ExitCode(1) }
    }

    /// The image field must be a blob property and the text field a text one (when the class lists them).
    private func checkProperties(_ definition: [String: Any]) throws {
        let properties = definition["properties"] as? [[String: Any]] ?? []
        func dataType(_ name: String) -> String? {
            (properties.first { ($0["name"] as? String) == name }?["dataType"] as? [String])?.first
        }
        guard let imageType = dataType(imageField) else {
            throw ImportError("class \(className) has no property '\(imageField)' (use --image-field)")
        }
        guard imageType == "blob" else {
            throw ImportError("property '\(imageField)' of class \(className) is \(imageType), not blob")
        }
        if textFile != nil, let textType = dataType(textField), textType != "text", textType != "string" {
            throw ImportError("property '\(textField)' of class \(className) is \(textType), not text")
        }
    }

    /// What happened to the files of one or more batches.
    struct Outcome: Sendable {
        var imported = 0, skipped = 0
        var failures: [(String, String)] = []
        mutating func merge(_ other: Outcome) {
            imported += other.imported
            skipped += other.skipped
            failures += other.failures
        }
    }

    private func send(_ batch: [ImportFile], className cls: String, texts: [String: String], client: ImportClient,
                      progress: ImportProgress) async throws -> Outcome {
        var outcome = Outcome()
        var objects: [BatchObject] = []
        var paths: [String] = []
        for file in batch {
            let id = ImportIdentifiers.id(relativePath: file.relativePath)
            if !noSkipExisting, try await client.exists(className: cls, id: id) {
                outcome.skipped += 1
                continue
            }
            let data: Data
            do { data = try Data(contentsOf: file.url) } catch {
                outcome.failures.append((file.relativePath, "cannot read: \(error.localizedDescription)"))
                continue
            }
            var properties: [String: String] = [:]
            if let text = texts[file.relativePath] ?? texts[file.url.lastPathComponent] { properties[textField] = text }
            if let pathField { properties[pathField] = file.relativePath }
            objects.append(BatchObject(className: cls, id: id, imageField: imageField,
                                       imageBase64: data.base64EncodedString(), texts: properties))
            paths.append(file.relativePath)
        }
        if !objects.isEmpty {
            let errors = try await client.batch(objects: objects)
            for (path, error) in zip(paths, errors) {
                if let error { outcome.failures.append((path, error)) } else { outcome.imported += 1 }
            }
        }
        progress.advance(imported: outcome.imported, failed: outcome.failures.count, skipped: outcome.skipped)
        return outcome
    }
}

private func warn(_ message: String) {
    FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
}
