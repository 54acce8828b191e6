import ArgumentParser
import Foundation
import ModelHub

/// `iris model pull|inspect|verify`: get model folders from the Hugging Face hub and look inside them.
struct Model: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Download model folders from the Hugging Face hub, describe them, and check them.",
        subcommands: [Pull.self, Inspect.self, Verify.self]
    )

    /// Prints a clear one-line error and exits non-zero (instead of ArgumentParser's usage dump).
    static func fail(_ error: Error) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        return ExitCode(1)
    }

    struct Pull: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download a SentenceTransformers / CLIP model from the hub (resumable, verified).",
            discussion: """
            Only the files the model needs are fetched (configs, tokenizer, weights; safetensors over .bin).
            HF_ENDPOINT overrides the hub address (default https://huggingface.co); HF_TOKEN is sent as a bearer token.
            The default folder is <PERSISTENCE_DATA_PATH or ./data>/models/ORG/NAME.
            """
        )

        @Argument(help: "The repository, ORG/NAME (e.g. sentence-transformers/clip-ViT-B-32).")
        var repo: String

        @Option(help: "Branch, tag or commit to download.")
        var revision: String = "main"

        @Option(help: "Target folder.")
        var dir: String?

        @Flag(help: "No progress line on stderr.")
        var quiet = false

        func run() async throws {
            do {
                let id = try HubRepoID(repo)
                let folder = dir.map { URL(fileURLWithPath: $0) } ?? ModelPuller.defaultFolder(for: id)
                let client = HubClient(configuration: try HubConfiguration.fromEnvironment())
                let puller = ModelPuller(client: client, progress: quiet ? nil : ProgressReporter())
                let manifest = try await puller.pull(id, revision: revision, into: folder)
                let bytes = manifest.files.reduce(Int64(0)) { $0 + $1.size }
                print("pulled \(manifest.repo)@\(manifest.commit ?? manifest.revision): \(manifest.files.count) files, "
                      + "\(bytes) bytes -> \(folder.path)")
            } catch let exit as ExitCode {
                throw exit
            } catch {
                throw Model.fail(error)
            }
        }
    }

    struct Inspect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Describe a model folder: layout, modules, shapes, tokenizer and weight files."
        )

        @Argument(help: "The model folder.")
        var dir: String

        @Flag(help: "Print the description as JSON.")
        var json = false

        func run() async throws {
            do {
                let folder = try ModelFolder(contentsOf: URL(fileURLWithPath: dir))
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                    print(String(decoding: try encoder.encode(folder), as: UTF8.self))
                } else {
                    print(folder.report(), terminator: "")
                }
            } catch {
                throw Model.fail(error)
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every file recorded in the folder's .iris-manifest.json still has its size and sha256."
        )

        @Argument(help: "A folder made by `iris model pull`.")
        var dir: String

        func run() async throws {
            let folder = URL(fileURLWithPath: dir)
            let manifest: PullManifest
            do { manifest = try PullManifest.load(from: folder) } catch { throw Model.fail(error) }
            let problems = ManifestVerifier.verify(folder: folder, manifest: manifest)
            if problems.isEmpty {
                print("ok: \(manifest.files.count) files of \(manifest.repo)@\(manifest.commit ?? manifest.revision) match the manifest")
                return
            }
            for problem in problems {
                FileHandle.standardError.write(Data("\(problem)\n".utf8))
            }
            FileHandle.standardError.write(Data("error: \(problems.count) of \(manifest.files.count) files do not match the manifest\n".utf8))
            throw ExitCode(1)
        }
    }
}
