import ArgumentParser

@main
struct Iris: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "iris",
        abstract: "A multimodal vector database that speaks Weaviate v1.19's APIs, with CLIP built in.",
        subcommands: [Serve.self, Inference.self, Embed.self, Model.self, Import.self, Store.self]
    )
}
