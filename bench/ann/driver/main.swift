// bench-ann: builds and queries Iris's HNSW on a prepared dataset and prints one JSON object.
// bench/ann/run.sh runs this beside hnswlib (bench/ann/hnswlib_bench.py) with the same parameters.
//
//   bench-ann --base F --queries F --truth F --dim D --metric cosine --m 64 --efc 128
//             --efs 10,16,32 --threads 1,2 [--k 10]
//   bench-ann --restart --snapshot PATH --n 100000 --dim 128 [--m 64 --efc 128 --threads 2]
//             [--base F] [--snapshot-fraction 0.5]
//     Restart after a kill: builds n vectors (random unless --base) through `apply` with the graph log
//     on, optionally persisting a snapshot after the first fraction, never persisting the rest, then
//     times `VectorIndexes.openOrCreate` (snapshot load + log replay) against the build of the logged part.
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
    var restart = false
    var n = 0
    var snapshotFraction = 0.0

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
            case "--restart": restart = true
            case "--n": n = try int(value())
            case "--snapshot-fraction":
                guard let f = Double(try value()), (0...1).contains(f) else { throw BenchError("--snapshot-fraction takes 0...1") }
                snapshotFraction = f
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
        if restart {
            guard !snapshot.isEmpty, dim > 0, n > 0 || !base.isEmpty else {
                throw BenchError("usage: bench-ann --restart --snapshot PATH --dim D (--n N | --base F) [--m 64] [--efc 128] [--threads 2] [--snapshot-fraction 0]")
            }
            return
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

func fileBytes(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
}

/// `--restart`: what opening costs after a kill, against re-inserting what the log holds.
func runRestart(_ o: Options) throws {
    var base: [Float]
    if !o.base.isEmpty {
        base = try readFile(o.base, as: Float.self)
        if o.n > 0 { base = Array(base.prefix(o.n * o.dim)) }
    } else {
        var state: UInt64 = 42  // SplitMix64: reproducible uniform data in [-1, 1)
        base = (0..<(o.n * o.dim)).map { _ in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Float((z ^ (z >> 31)) >> 40) / Float(1 << 23) - 1
        }
    }
    let n = base.count / o.dim
    var config = HNSWConfig()
    config.maxConnections = o.m
    config.efConstruction = o.efc
    config.distance = o.metric
    config.cleanupIntervalSeconds = 0
    let threads = o.threads.last ?? 2
    VectorIndexes.removeFiles(snapshotPath: o.snapshot)
    let changes = (0..<n).map { VectorChange(id: UInt64($0), vector: Array(base[($0 * o.dim)..<(($0 + 1) * o.dim)])) }
    let snapshotted = Int(Double(n) * o.snapshotFraction)
    var out: [String: Any] = ["lib": "iris", "mode": "restart", "n": n, "dim": o.dim, "m": o.m, "efc": o.efc,
                              "threads": threads, "snapshot_vectors": snapshotted]
    do {
        let index = try VectorIndexes.make(config: config, snapshotPath: o.snapshot) as! HNSWIndex
        try index.reserve(n, dimensions: o.dim)
        if snapshotted > 0 {
            _ = index.apply(Array(changes[..<snapshotted]), through: 1, threads: threads)
            let p0 = now()
            try index.persist()
            out["persist_seconds"] = now() - p0
        }
        let t0 = now(), c0 = cpuNow()
        if let e = index.apply(Array(changes[snapshotted...]), through: 2, threads: threads).lazy.compactMap({ $0 }).first { throw e }
        out["logged_build_seconds"] = now() - t0
        out["logged_build_cpu_seconds"] = cpuNow() - c0
        out["snapshot_bytes"] = fileBytes(o.snapshot)
        out["log_bytes"] = fileBytes(o.snapshot + ".log")
        out["log_bytes_per_insert"] = Double(fileBytes(o.snapshot + ".log")) / Double(max(1, n - snapshotted))
        // The kill: the index object is dropped without persist(); its log was handed to write() already.
        let queries = (0..<100).map { Array(base[(($0 * 997) % n * o.dim)..<(($0 * 997) % n * o.dim + o.dim)]) }
        let before = queries.map { index.search($0, k: 10, allowList: nil) }
        let r0 = now(), rc0 = cpuNow()
        let (reopened, loadError) = try VectorIndexes.openOrCreate(config: config, snapshotPath: o.snapshot)
        out["open_seconds"] = now() - r0
        out["open_cpu_seconds"] = cpuNow() - rc0
        if let loadError { throw loadError }
        let hnsw = reopened as! HNSWIndex
        out["replayed_records"] = hnsw.lastReplay?.records ?? 0
        out["replay_stop"] = hnsw.lastReplay?.stopReason ?? ""
        out["count"] = reopened.count
        out["covered_sequence"] = Int(reopened.coveredSequence)
        out["identical_results"] = queries.map { reopened.search($0, k: 10, allowList: nil) } == before ? 1 : 0
    }
    // Rebuilding by re-insertion, what a start cost before the log: the logged part on one thread
    // (the Database's catch-up upserts one change at a time).
    let plain = try HNSWIndex(config: config, initialCapacity: n, backgroundCleanup: false)
    try plain.reserve(n, dimensions: o.dim)
    if snapshotted > 0 { _ = plain.apply(Array(changes[..<snapshotted]), through: 1, threads: threads) }
    let s0 = now(), sc0 = cpuNow()
    for c in changes[snapshotted...] { try plain.upsert(id: c.id, vector: c.vector!, sequence: 2) }
    out["reinsert_1_thread_seconds"] = now() - s0
    out["reinsert_1_thread_cpu_seconds"] = cpuNow() - sc0
    // The same batch build without a log, to show what logging costs on the write path.
    let unlogged = try HNSWIndex(config: config, initialCapacity: n, backgroundCleanup: false)
    try unlogged.reserve(n, dimensions: o.dim)
    if snapshotted > 0 { _ = unlogged.apply(Array(changes[..<snapshotted]), through: 1, threads: threads) }
    let u0 = now(), uc0 = cpuNow()
    _ = unlogged.apply(Array(changes[snapshotted...]), through: 2, threads: threads)
    out["unlogged_build_seconds"] = now() - u0
    out["unlogged_build_cpu_seconds"] = cpuNow() - uc0
    VectorIndexes.removeFiles(snapshotPath: o.snapshot)
    let json = try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
    print(String(decoding: json, as: UTF8.self))
}

func run() throws {
    let o = try Options(Array(CommandLine.arguments.dropFirst()))
    if o.restart { return try runRestart(o) }
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
    // The batch the Database hands the index (rows as [Float]). It is input, like hnswlib's numpy array,
    // so it exists before memory is measured: only what the index itself allocates counts.
    let changes = ids.map { VectorChange(id: $0, vector: Array(base[(Int($0) * o.dim)..<((Int($0) + 1) * o.dim)])) }
    for threads in o.threads {
        let before = residentBytes()
        let index = try HNSWIndex(config: config, snapshotPath: o.snapshot.isEmpty ? nil : o.snapshot,
                                  initialCapacity: n, backgroundCleanup: false)
        try index.reserve(n, dimensions: o.dim)
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
            // The same queries from two threads at once (what a server with two clients runs): the
            // per-query cost when two searches share the caches and memory bandwidth.
            var elapsed2 = Double.infinity
            for _ in 0..<o.repeats {
                let q0 = now()
                DispatchQueue.concurrentPerform(iterations: 2) { t in
                    for i in stride(from: t, to: nq, by: 2) { _ = index.search(queryRows[i], k: o.k, allowList: nil) }
                }
                elapsed2 = min(elapsed2, now() - q0)
            }
            sweep.append(["ef": Double(ef), "recall": Double(hits) / Double(nq * o.k), "qps": Double(nq) / elapsed,
                          "qps_cpu": Double(nq) / cpu, "qps_2threads": Double(nq) / elapsed2])
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
            VectorIndexes.removeFiles(snapshotPath: o.snapshot)  // the snapshot and its graph log
        }
    }
    if !o.snapshot.isEmpty { VectorIndexes.removeFiles(snapshotPath: o.snapshot) }  // later builds' logs
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
