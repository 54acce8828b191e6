// bench-ann: builds and queries Iris's HNSW on a prepared dataset and prints one JSON object.
// bench/ann/run.sh runs this beside hnswlib (bench/ann/hnswlib_bench.py) with the same parameters.
//
//   bench-ann --base F --queries F --truth F --dim D --metric cosine --m 64 --efc 128
//             --efs 10,16,32 --threads 1,2 [--k 10]
import Foundation
import VectorIndex

struct Options {
    var base = "", queries = "", truth = ""
    var dim = 0, m = 16, efc = 200, k = 10
    var metric = DistanceMetric.cosine
    var efs: [Int] = [10, 16, 24, 32, 48, 64, 96, 128, 192, 256]
    var threads: [Int] = [1, 2]
    var repeats = 3
    var snapshot = ""

    init(_ args: [String]) throws {
        var i = 0
        func value() throws -> String {
            i += 1
            guard i < args.count else { throw BenchError("missing value for \(args[i - 1])") }
            return args[i]
        }
        func int(_ s: String) throws -> Int {
            guard let v = Int(s) else { throw BenchError("not an integer: \(s)") }
            return v
        }
        while i < args.count {
            switch args[i] {
            case "--base": base = try value()
            case "--queries": queries = try value()
            case "--truth": truth = try value()
            case "--dim": dim = try int(value())
            case "--m": m = try int(value())
            case "--efc": efc = try int(value())
            case "--k": k = try int(value())
            case "--repeats": repeats = max(1, try int(value()))
            case "--snapshot": snapshot = try value()
            case "--metric":
                let s = try value()
                guard let mm = DistanceMetric(rawValue: s) else { throw BenchError("unknown metric \(s)") }
                metric = mm
            case "--efs": efs = try value().split(separator: ",").map { try int(String($0)) }
            case "--threads": threads = try value().split(separator: ",").map { try int(String($0)) }
            default: throw BenchError("unknown argument \(args[i])")
            }
            i += 1
        }
        guard !base.isEmpty, !queries.isEmpty, !truth.isEmpty, dim > 0 else {
            throw BenchError("usage: bench-ann --base F --queries F --truth F --dim D [--metric cosine] [--m 16] [--efc 200] [--efs 10,20] [--threads 1,2]")
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

func readFile<T>(_ path: String, as: T.Type) throws -> [T] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return data.withUnsafeBytes { Array($0.bindMemory(to: T.self)) }
}

/// Resident memory of this process (bytes), from /proc/self/statm.
func residentBytes() -> Int {
    guard let s = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = s.split(separator: " ")
    return (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// CPU seconds used by this process: on a shared, oversubscribed machine this is a far steadier
/// measure of single-threaded work than wall time (both are reported).
func cpuNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

func run() throws {
    let o = try Options(Array(CommandLine.arguments.dropFirst()))
    let base = try readFile(o.base, as: Float.self)
    let queries = try readFile(o.queries, as: Float.self)
    let truth = try readFile(o.truth, as: Int32.self)
    let n = base.count / o.dim, nq = queries.count / o.dim
    guard n * o.dim == base.count, nq * o.dim == queries.count, truth.count >= nq * o.k else {
        throw BenchError("file sizes do not match dim \(o.dim) and k \(o.k)")
    }
    let gtK = truth.count / nq
    let ids = (0..<n).map { UInt64($0) }
    let queryRows = (0..<nq).map { Array(queries[($0 * o.dim)..<(($0 + 1) * o.dim)]) }

    var config = HNSWConfig()
    config.maxConnections = o.m
    config.efConstruction = o.efc
    config.distance = o.metric

    var buildSeconds: [String: Double] = [:]
    var buildCPUSeconds: [String: Double] = [:]
    var memory = 0
    var sweep: [[String: Double]] = []
    var snapshotStats: [String: Double] = [:]
    for threads in o.threads {
        let before = residentBytes()
        let index = try HNSWIndex(config: config, snapshotPath: o.snapshot.isEmpty ? nil : o.snapshot,
                                  initialCapacity: n, backgroundCleanup: false)
        try index.reserve(n, dimensions: o.dim)
        // The batch the Database hands the index (rows as [Float]), built before the clock starts.
        let changes = ids.map { VectorChange(id: $0, vector: Array(base[(Int($0) * o.dim)..<((Int($0) + 1) * o.dim)])) }
        let t0 = now(), c0 = cpuNow()
        if let e = index.apply(changes, through: 1, threads: threads).lazy.compactMap({ $0 }).first { throw e }
        buildSeconds[String(threads)] = now() - t0
        buildCPUSeconds[String(threads)] = cpuNow() - c0
        guard threads == o.threads.first else { continue }
        memory = residentBytes() - before
        // ef sweep, single thread, one query at a time (what a request does).
        for ef in o.efs {
            config.ef = ef
            try index.update(config: config)
            var results = [[SearchResult]](repeating: [], count: nq)
            var elapsed = Double.infinity, cpu = Double.infinity  // best of `repeats` passes (shared, noisy machine)
            for _ in 0..<o.repeats {
                let q0 = now(), c0 = cpuNow()
                for (i, q) in queryRows.enumerated() { results[i] = index.search(q, k: o.k, allowList: nil) }
                elapsed = min(elapsed, now() - q0)
                cpu = min(cpu, cpuNow() - c0)
            }
            var hits = 0
            for i in 0..<nq {
                let gt = Set(truth[(i * gtK)..<(i * gtK + o.k)].map { UInt64($0) })
                hits += results[i].filter { gt.contains($0.id) }.count
            }
            sweep.append(["ef": Double(ef), "recall": Double(hits) / Double(nq * o.k), "qps": Double(nq) / elapsed, "qps_cpu": Double(nq) / cpu])
        }
        if !o.snapshot.isEmpty {
            // Persistence: snapshot this index, reopen it, and check the copy answers identically.
            let w0 = now()
            try index.persist()
            snapshotStats["write_seconds"] = now() - w0
            let l0 = now()
            let loaded = try HNSWIndex.load(snapshotPath: o.snapshot, config: config, backgroundCleanup: false)
            snapshotStats["load_seconds"] = now() - l0
            let attrs = try FileManager.default.attributesOfItem(atPath: o.snapshot)
            snapshotStats["bytes"] = Double((attrs[.size] as? NSNumber)?.intValue ?? 0)
            let same = queryRows.prefix(100).allSatisfy { q in
                loaded.search(q, k: o.k, allowList: nil) == index.search(q, k: o.k, allowList: nil)
            }
            snapshotStats["identical_results"] = same ? 1 : 0
            try? FileManager.default.removeItem(atPath: o.snapshot)
        }
    }
    let out: [String: Any] = ["lib": "iris", "n": n, "dim": o.dim, "m": o.m, "efc": o.efc,
                              "build_seconds": buildSeconds, "build_cpu_seconds": buildCPUSeconds, "memory_bytes": memory, "sweep": sweep,
                              "snapshot": snapshotStats]
    let json = try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
    print(String(decoding: json, as: UTF8.self))
}

do { try run() } catch {
    FileHandle.standardError.write(Data("bench-ann: \(error)\n".utf8))
    exit(1)
}
