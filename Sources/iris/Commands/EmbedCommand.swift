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

    func run() throws {
        let embedder = try models.loadEmbedder()
        let imageData = try images.map { path -> Data in
            do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
                throw ValidationError("cannot read image \(path): \(error.localizedDescription)")
            }
        }
        let answer: [String: Any] = [
            "textVectors": try embedder.embed(texts: texts),
            "imageVectors": try embedder.embed(images: imageData),
        ]
        let json = try JSONSerialization.data(withJSONObject: answer, options: [.sortedKeys])
        FileHandle.standardOutput.write(json)
        FileHandle.standardOutput.write(Data("\n".utf8))
    }
}
