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
