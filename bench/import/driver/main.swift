// bench-store: the raw store write rate of the objects the REST import benchmark sends, through the
// Database API (no HTTP), so bench/import can print both side by side.
//
// Objects: class `BenchImport`, properties {title: "object <i>", index: i, score: i * 0.25, tag: one of 8
// words}, a 512-d vector of uniform [-1, 1) floats from a seeded xorshift, id = UUID from i.
//
// Usage: bench-store [--count N] [--batch-sizes 100,1000] [--dimensions 512] [--data DIR] [--seed S] [--index hnsw|flat|both]
// Prints one JSON object: per index kind and batch size, wall seconds, objects/second, CPU seconds (user+sys,
// all threads) and objects per CPU second; plus peak RSS (VmHWM).
// `hnsw` is what the server does (default vectorIndexConfig); `flat` (`skip: true`) isolates the store itself.
import Database
import Foundation

struct Options {
    var count = 10_000
    var batchSizes = [100, 1000]
    var dimensions = 512
    var dataRoot: String? = nil
    var seed: UInt64 = 42
    var indexes = ["hnsw"]

    init(_ args: [String]) throws {
        var i = 1
        func value() throws -> String {
            i += 1
            guard i < args.count else { throw BenchError("missing value for \(args[i - 1])") }
            return args[i]
        }
        while i < args.count {
            switch args[i] {
            case "--count": count = try Int(value()).orThrow("--count needs an integer")
            case "--batch-sizes":
                batchSizes = try value().split(separator: ",").map { try Int($0).orThrow("--batch-sizes needs integers") }
            case "--dimensions": dimensions = try Int(value()).orThrow("--dimensions needs an integer")
            case "--data": dataRoot = try value()
            case "--seed": seed = try UInt64(value()).orThrow("--seed needs an integer")
            case "--index":
                let v = try value()
                guard ["hnsw", "flat", "both"].contains(v) else { throw BenchError("--index must be hnsw, flat or both") }
                indexes = v == "both" ? ["hnsw", "flat"] : [v]
            case "-h", "--help":
                print("usage: bench-store [--count N] [--batch-sizes 100,1000] [--dimensions 512] [--data DIR] [--seed S] [--index hnsw|flat|both]")
                exit(0)
            default: throw BenchError("unknown argument \(args[i])")
            }
            i += 1
        }
        guard count > 0, dimensions > 0, !batchSizes.isEmpty, batchSizes.allSatisfy({ $0 > 0 }) else {
            throw BenchError("count, dimensions and batch sizes must be positive")
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

extension Optional {
    func orThrow(_ m: String) throws -> Wrapped {
        guard let v = self else { throw BenchError(m) }
        return v
    }
}

/// xorshift64*: fast, seeded, reproducible across runs and languages.
struct XorShift {
    var state: UInt64
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 2_685_821_657_736_338_717
    }
    /// Uniform in [-1, 1).
    mutating func nextUnit() -> Float { Float(next() >> 40) / Float(1 << 24) * 2 - 1 }
}

let tags = ["red", "green", "blue", "cyan", "magenta", "yellow", "black", "white"]

func makeObject(_ i: Int, dimensions: Int, rng: inout XorShift) -> ObjectInput {
    let id = String(format: "%08x-0000-4000-8000-%012x", i >> 16, i)
    let vector = (0..<dimensions).map { _ in rng.nextUnit() }
    return ObjectInput(className: "BenchImport", id: id, properties: [
        "title": .string("object \(i)"), "index": .int(Int64(i)), "score": .double(Double(i) * 0.25),
        "tag": .string(tags[i % tags.count]),
    ], vector: vector)
}

/// User + system CPU seconds of this process so far (the machine may be shared: wall time alone misleads).
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

func peakRSSBytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
        return kb * 1024
    }
    return 0
}

func run(_ o: Options) async throws -> [String: Any] {
    var results: [[String: Any]] = []
    for indexKind in o.indexes {
    for batchSize in o.batchSizes {
        let root = o.dataRoot ?? NSTemporaryDirectory()
        let dir = (root as NSString).appendingPathComponent("bench-store-\(batchSize)-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try Database(config: DatabaseConfig(dataPath: dir, snapshotIntervalSeconds: nil))
        _ = try await db.createClass(ClassDefinition(className: "BenchImport", properties: [
            PropertyDefinition(name: "title", dataType: ["text"]), PropertyDefinition(name: "index", dataType: ["int"]),
            PropertyDefinition(name: "score", dataType: ["number"]), PropertyDefinition(name: "tag", dataType: ["text"]),
        ], vectorIndexConfig: ["skip": .bool(indexKind == "flat")]))
        var rng = XorShift(state: o.seed)
        // Generate all objects first so only the store is timed.
        var batches: [[ObjectInput]] = []
        var start = 0
        while start < o.count {
            let end = min(start + batchSize, o.count)
            batches.append((start..<end).map { makeObject($0, dimensions: o.dimensions, rng: &rng) })
            start = end
        }
        var failed = 0
        let cpu0 = cpuSeconds()
        let t0 = DispatchTime.now().uptimeNanoseconds
        for b in batches {
            failed += try await db.batchObjects(b).filter { $0.error != nil }.count
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        let cpu = cpuSeconds() - cpu0
        let stored = try await db.count(className: "BenchImport")
        try db.close()
        guard failed == 0, stored == o.count else {
            throw BenchError("batch size \(batchSize): \(failed) failed items, \(stored) of \(o.count) stored")
        }
        results.append(["index": indexKind, "batchSize": batchSize, "seconds": seconds, "objectsPerSecond": Double(o.count) / seconds,
                        "cpuSeconds": cpu, "objectsPerCPUSecond": Double(o.count) / cpu])
    }
    }
    return ["driver": "bench-store", "count": o.count, "dimensions": o.dimensions, "results": results,
            "peakRSSBytes": peakRSSBytes()]
}

do {
    let options = try Options(CommandLine.arguments)
    let report = try await run(options)
    let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
} catch {
    FileHandle.standardError.write(Data("bench-store: \(error)\n".utf8))
    exit(1)
}
