// bench-json: the shared JSON parser against the two it replaced (frozen copies in this folder), in one
// process, interleaved, on the documents that matter: a REST batch of vectors and tokenizer files.
//
//   swift build -c release --product bench-json && .build/release/bench-json [--fixtures DIR] [--runs N]
import Foundation
import JSON

var fixtures = "../shared/fixtures"
var runs = 15
var args = CommandLine.arguments.dropFirst()
while let a = args.popFirst() {
    switch a {
    case "--fixtures": fixtures = args.popFirst() ?? fixtures
    case "--runs": runs = Int(args.popFirst() ?? "") ?? runs
    default: print("usage: bench-json [--fixtures DIR] [--runs N]"); exit(2)
    }
}

/// A deterministic generator (SplitMix64), so every run measures the same bytes.
struct SplitMix { var s: UInt64; mutating func next() -> UInt64 {
    s &+= 0x9E37_79B9_7F4A_7C15; var z = s
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9; z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
} }

/// `POST /v1/batch/objects` with 1,000 objects of 512-d vectors. `wide` writes each float32 component as
/// the double it widens to (17 digits, what Python's json.dumps of numpy floats sends); otherwise as its
/// shortest float32 text (what Iris and Go clients send).
func batch(wide: Bool) -> [UInt8] {
    var rng = SplitMix(s: 42)
    var out = #"{"objects":["#
    for i in 0..<1000 {
        if i > 0 { out += "," }
        out += #"{"class":"Article","id":"\#(String(format: "%08x-0000-4000-8000-%012x", i, i))","#
        out += #""properties":{"title":"Article number \#(i) \u00e9t\u00e9","wordCount":\#(i * 37),"published":true},"vector":["#
        for k in 0..<512 {
            if k > 0 { out += "," }
            let f = Float(Int64(rng.next() >> 40) - (1 << 23)) / Float(1 << 23)
            out += wide ? "\(Double(f))" : "\(f)"
        }
        out += "]}"
    }
    out += "]}"
    return Array(out.utf8)
}

func read(_ relative: String) -> [UInt8] {
    let path = fixtures + "/" + relative
    guard let d = FileManager.default.contents(atPath: path) else { print("cannot read \(path)"); exit(1) }
    return [UInt8](d)
}

func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return s[s.count / 2] }

func time(_ body: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try body()
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) / 1e15
}

let documents: [(String, [UInt8])] = [
    ("batch 1000x512 float32 text", batch(wide: false)),
    ("batch 1000x512 float64 text", batch(wide: true)),
    ("clip-bpe/tokenizer.json", read("tokenizers/clip-bpe/tokenizer.json")),
    ("clip-bpe/vocab.json", read("tokenizers/clip-bpe/vocab.json")),
    ("mclip-tiny/tokenizer.json", read("models/mclip-tiny/tokenizer.json")),
]

print("runs: \(runs) per parser, interleaved; median ms (lower is better); ratio = new / old")
print("document                          MB   old Database  old Tokenizers    new  new strict  new/oldDB  strict/oldTok")
for (name, bytes) in documents {
    // The old Database parser and the new one must agree value for value.
    let new = try JSONValue.parse(bytes: bytes)
    let old = try OldDatabaseParser.parse(bytes, maxDepth: JSONValue.defaultMaxDepth)
    precondition(new == old, "\(name): old and new parsers disagree")
    var oldDB: [Double] = [], oldTok: [Double] = [], newT: [Double] = [], strictT: [Double] = []
    let data = Data(bytes)
    for _ in 0..<runs {
        oldDB.append(try time { _ = try OldDatabaseParser.parse(bytes, maxDepth: JSONValue.defaultMaxDepth) })
        oldTok.append(try time { _ = try OldTokenizersParser.parse(data) })
        newT.append(try time { _ = try JSONValue.parse(bytes: bytes) })
        // What Tokenizers and ModelFormats now call: Data in, strict Unicode.
        strictT.append(try time { _ = try JSONValue.parse(data, maxDepth: 256, strictUnicode: true) })
    }
    let (a, b, c, d) = (median(oldDB), median(oldTok), median(newT), median(strictT))
    print(name.padding(toLength: 32, withPad: " ", startingAt: 0),
          String(format: "%5.2f %12.2f %14.2f %8.2f %11.2f %10.2f %14.2f", Double(bytes.count) / 1e6, a, b, c, d, c / a, d / b))
}
