// Each harness is a thin call into one parser's real entry point, so a parser can move to another target
// without the harness changing. Traps count as findings too: in a checked build they are a crash of the
// server (a denial of service), and where a target is built -Ounchecked they would be memory corruption.
import Database
import Foundation
@testable import GraphQLAPI
import ImageProcessing
@testable import ModelFormats
import Tokenizers

/// name -> (what it feeds, the call). `fuzz/run.sh` picks one with IRIS_FUZZ_HARNESS.
let harnesses: [String: (String, (UnsafeRawBufferPointer) -> Void)] = [
    "image": ("ImageDecoder.decode: JPEG, PNG, GIF, WebP (C codecs) and BMP (Swift), format sniffed", fuzzImage),
    "json": ("JSONValue.parse, the one JSON parser (JSON target): request bodies, tokenizer and config files", fuzzJSON),
    "graphql-vector": ("VectorLiterals(query:), the GraphQL vector-list scanner", fuzzVectorLiterals),
    "graphql": ("GraphQLService.handle: query limits, parse, validation and execution against a small database", fuzzGraphQL),
    "unpickle": ("RestrictedUnpickler.run, the pickle reader of PyTorch checkpoints", fuzzUnpickle),
    "checkpoint": ("TorchCheckpoint: stored zip + data.pkl, then every tensor loaded", fuzzCheckpoint),
    "safetensors": ("SafeTensorsFile: header parse and checks, then every tensor loaded", fuzzSafeTensors),
    "clip-bpe": ("CLIPTokenizer (real 49,408-token vocabulary) encoding arbitrary bytes as UTF-8", fuzzCLIPBPE),
    "wordpiece": ("WordPieceTokenizer (mclip-tiny's vocabulary) encoding arbitrary bytes as UTF-8", fuzzWordPiece),
    "tokenizer-file": ("TokenizerLoader.load over a fuzzed tokenizer.json, then one encode", fuzzTokenizerFile),
]

// MARK: Decoders of request bytes

/// 4 Mpixel cap: big enough for every seed, small enough that a forged header cannot exhaust memory.
private let imageDecoder = ImageDecoder(maxPixels: 1 << 22)

func fuzzImage(_ bytes: UnsafeRawBufferPointer) {
    _ = try? imageDecoder.decode(bytes: bytes)
    // The thumbnails' reduced-scale JPEG path (1/2 to 1/8, by the first byte).
    if let first = bytes.first {
        _ = try? imageDecoder.decodePreview(Data(bytes), minSide: Int(first) * 4)
    }
}

func fuzzJSON(_ bytes: UnsafeRawBufferPointer) {
    _ = try? JSONValue.parse(bytes: Array(bytes))
    _ = try? JSONValue.parse(bytes: Array(bytes), strictUnicode: true)  // as tokenizer and config files are read
}

func fuzzVectorLiterals(_ bytes: UnsafeRawBufferPointer) {
    let query = String(decoding: bytes, as: UTF8.self)
    guard let literals = VectorLiterals(query: query) else { return }
    // The scanner promises error locations of the query as sent: the blanked copy keeps every offset.
    precondition(literals.blankedQuery.utf8.count == query.utf8.count, "blanking changed the query's length")
}

// MARK: GraphQL, end to end without HTTP

/// A small database in a per-process temporary folder: two classes, one referencing the other, with
/// every scalar type and a few objects, so fuzzed queries reach filters, sorting, vector and keyword
/// search, references, Aggregate and Explore. GraphQL has no mutations, so inputs cannot change it.
/// Bounds below the defaults (10,000 result values, 5 s) keep each input fast; the checks are the same.
private let graphQLService: GraphQLService = blocking {
    let folder = scratchFolder.appendingPathComponent("graphql-db").path
    let db = try Database(config: DatabaseConfig(dataPath: folder, queryDefaultsLimit: 25, snapshotIntervalSeconds: nil))
    _ = try await db.createClass(ClassDefinition(className: "Person", properties: [
        PropertyDefinition(name: "name", dataType: ["text"]), PropertyDefinition(name: "age", dataType: ["int"])]))
    _ = try await db.createClass(ClassDefinition(className: "Article", properties: [
        PropertyDefinition(name: "title", dataType: ["text"]), PropertyDefinition(name: "words", dataType: ["int"]),
        PropertyDefinition(name: "score", dataType: ["number"]), PropertyDefinition(name: "ok", dataType: ["boolean"]),
        PropertyDefinition(name: "published", dataType: ["date"]), PropertyDefinition(name: "tags", dataType: ["text[]"]),
        PropertyDefinition(name: "author", dataType: ["Person"])]))
    let people = (0..<3).map { (i: Int) -> ObjectInput in
        let properties: [String: JSONValue] = ["name": .string("person \(i)"), "age": .int(Int64(20 + i))]
        return ObjectInput(className: "Person", id: "00000000-0000-4000-8000-00000000000\(i)", properties: properties,
                           vector: [Float(i), 1, 0])
    }
    let words = ["quick", "lazy", "brown"]
    let articles = (0..<6).map { (i: Int) -> ObjectInput in
        var properties: [String: JSONValue] = [:]
        properties["title"] = .string("the \(words[i % 3]) fox \(i)")
        properties["words"] = .int(Int64(i * 10))
        properties["score"] = .double(Double(i) / 3)
        properties["ok"] = .bool(i % 2 == 0)
        properties["published"] = .string("2020-0\(i + 1)-01T00:00:00Z")
        properties["tags"] = .array([.string("a"), .string("t\(i)")])
        let beacon = JSONValue.object(["beacon": .string("weaviate://localhost/Person/00000000-0000-4000-8000-00000000000\(i % 3)")])
        properties["author"] = .array([beacon])
        return ObjectInput(className: "Article", id: "00000000-0000-4000-8000-0000000001\(i)0", properties: properties,
                           vector: [1, Float(i), 0.5])
    }
    for batch in [people, articles] {
        for result in try await db.batchObjects(batch) where result.error != nil { fatalError("fuzz database: \(result.error!)") }
    }
    return GraphQLService(database: db, limits: QueryLimits(maxQuerySeconds: 5, maxResultValues: 10_000))
}

func fuzzGraphQL(_ bytes: UnsafeRawBufferPointer) {
    let service = graphQLService  // built here, not inside `blocking` (which is not reentrant)
    let body = JSONValue.object(["query": .string(String(decoding: bytes, as: UTF8.self))]).jsonString()
    handoff.input = Data(body.utf8)  // through the global, like the result: the closure captures nothing per input
    let (status, answer) = blocking { await service.handle(body: handoff.input) }
    handoff.input = Data()
    // Every answer is a JSON body; only an empty query (or no schema) is refused outright.
    precondition(status == 200 || status == 422, "status \(status)")
    precondition((try? JSONValue.parse(answer)) != nil, "the answer is not JSON")
}

/// Runs async work to completion from libFuzzer's synchronous callback. The result passes through a
/// global: the detached task is torn down only after it signals, and a result still held by its context
/// at that moment looks leaked to LeakSanitizer.
private func blocking<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) -> T {
    Task.detached {
        do { handoff.value = .success(try await work()) } catch { handoff.value = .failure(error) }
        handoff.done.signal()
    }
    handoff.done.wait()
    let outcome = handoff.value
    handoff.value = nil
    switch outcome {
    case .success(let value as T): return value
    case .failure(let error): fatalError("iris-fuzz: \(error)")
    default: fatalError("iris-fuzz: no result")
    }
}

private final class Handoff: @unchecked Sendable {
    let done = DispatchSemaphore(value: 0)
    var value: Result<any Sendable, Error>?
    var input = Data()
}

private let handoff = Handoff()

// MARK: Model files

func fuzzUnpickle(_ bytes: UnsafeRawBufferPointer) {
    var unpickler = RestrictedUnpickler(Array(bytes), label: "fuzz")
    _ = try? unpickler.run()
}

func fuzzCheckpoint(_ bytes: UnsafeRawBufferPointer) {
    let url = scratchFile("pytorch_model.bin", bytes)
    guard let checkpoint = try? TorchCheckpoint(url: url) else { return }
    for name in checkpoint.tensorNames { _ = try? checkpoint.load(name) }
}

func fuzzSafeTensors(_ bytes: UnsafeRawBufferPointer) {
    let url = scratchFile("model.safetensors", bytes)
    guard let file = try? SafeTensorsFile(url: url) else { return }
    for name in file.tensorNames { _ = try? file.load(name) }
}

// MARK: Tokenizers

private let clipBPE: CLIPTokenizer = loadFixture { try CLIPTokenizer(directory: $0.appendingPathComponent("tokenizers/clip-bpe")) }
private let wordPiece: WordPieceTokenizer = loadFixture { try WordPieceTokenizer(directory: $0.appendingPathComponent("models/mclip-tiny")) }

func fuzzCLIPBPE(_ bytes: UnsafeRawBufferPointer) {
    let text = String(decoding: bytes, as: UTF8.self)
    _ = clipBPE.encode(text, truncate: false)
    _ = clipBPE.encode(text, truncate: true)
}

func fuzzWordPiece(_ bytes: UnsafeRawBufferPointer) {
    let text = String(decoding: bytes, as: UTF8.self)
    _ = wordPiece.encode(text, truncate: false)
    _ = wordPiece.encode(text, truncate: true)
}

func fuzzTokenizerFile(_ bytes: UnsafeRawBufferPointer) {
    // Foundation's Data(contentsOf:) leaks its 4 KiB read buffer for an empty file (swift-foundation, not
    // Iris), which LeakSanitizer would report as a finding on libFuzzer's first, empty input.
    guard bytes.count > 0 else { return }
    let url = scratchFile("tokenizer.json", bytes)
    guard let tokenizer = try? TokenizerLoader.load(directory: url.deletingLastPathComponent()) else { return }
    _ = tokenizer.encode("a photo of a cat, ÉTÉ 東京 ##s <|endoftext|> [SEP]", truncate: false)
}

// MARK: Support

/// A per-process folder (tmpfs when there is one): the file readers take paths and memory-map them.
private let scratchFolder: URL = {
    let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    let url = URL(fileURLWithPath: base).appendingPathComponent("iris-fuzz-\(getpid())")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}()

private func scratchFile(_ name: String, _ bytes: UnsafeRawBufferPointer) -> URL {
    let url = scratchFolder.appendingPathComponent(name)
    try! Data(bytes).write(to: url)
    return url
}

/// ../shared/fixtures beside the clone, or IRIS_FIXTURES.
private func loadFixture<T>(_ load: (URL) throws -> T) -> T {
    let root = ProcessInfo.processInfo.environment["IRIS_FIXTURES"].map { URL(fileURLWithPath: $0) }
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent()   // fuzz/Sources/IrisFuzz
            .appendingPathComponent("../../../../shared/fixtures").standardizedFileURL
    do { return try load(root) } catch { fatalError("iris-fuzz: cannot load the fixture tokenizer under \(root.path): \(error)") }
}
