import ArgumentParser
import Foundation

/// `iris embed`: texts and image files → vectors, printed as the inference API's JSON answer.
struct Embed: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed texts and image files with CLIP and print {\"textVectors\": [...], \"imageVectors\": [...]}."
    )

    @OptionGroup var models: CLIPModelOptions

    @Option(name: .customLong("text"), help: "A text to embed (repeatable).")
    var texts: [String] = []

    @Option(name: .customLong("image"), help: "An image file to embed (repeatable): JPEG, PNG, GIF, BMP or WebP.")
    var images: [String] = []

    @Flag(help: "Print {\"load_s\", \"texts_s\", \"images_s\"} (seconds) on stderr: the engine's raw speed, without HTTP.")
    var timing = false

    func run() throws {
        let clock = ContinuousClock()
        var started = clock.now
        func lap() -> Double {
            let now = clock.now
            defer { started = now }
            let d = now - started
            return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        }
        let embedder = try models.loadEmbedder(command: Self.configuration.commandName ?? "embed")
        let loadSeconds = lap()
        let imageData = try images.map { path -> Data in
            do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
                throw ValidationError("cannot read image \(path): \(error.localizedDescription)")
            }
        }
        _ = lap()  // reading the files is not the engine's time
        let textVectors = try embedder.embed(texts: texts)
        let textSeconds = lap()
        let imageVectors = try embedder.embed(images: imageData)
        let imageSeconds = lap()
        if timing {
            let report = ["load_s": loadSeconds, "texts_s": textSeconds, "images_s": imageSeconds]
            FileHandle.standardError.write(try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys]))
            FileHandle.standardError.write(Data("\n".utf8))
        }
        let answer: [String: Any] = ["textVectors": textVectors, "imageVectors": imageVectors]
        let json = try JSONSerialization.data(withJSONObject: answer, options: [.sortedKeys])
        FileHandle.standardOutput.write(json)
        FileHandle.standardOutput.write(Data("\n".utf8))
    }
}
