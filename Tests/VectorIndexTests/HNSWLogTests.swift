import Foundation
import XCTest
@testable import VectorIndex

/// The graph log: a restart replays graph edits instead of re-inserting (dropping an index object
/// without `persist()` stands in for SIGKILL: every public write already handed its records to write()).
final class HNSWLogTests: XCTestCase {
    func config(_ metric: DistanceMetric = .l2Squared, m: Int = 8) -> HNSWConfig {
        var c = HNSWConfig()
        c.distance = metric
        c.maxConnections = m
        c.efConstruction = 40
        c.ef = 64
        return c
    }

    /// Everything a search depends on, slot by slot.
    struct Dump: Equatable {
        var slots = 0, entry: UInt32 = 0, maxLevel = 0, sequence: UInt64 = 0, count = 0, tombstones = 0
        var states: [UInt8] = [], labels: [UInt64] = [], levels: [UInt8] = [], vectors: [Float] = []
        var lists: [[UInt32]] = []
    }

    func dump(_ index: HNSWIndex) -> Dump {
        var d = Dump()
        d.slots = index.slotCount
        d.entry = index.entryPoint
        d.maxLevel = index.maxLevel
        d.sequence = index.coveredSequence
        d.count = index.count
        d.tombstones = index.tombstoneCount
        guard let g = index.graph else { return d }
        for s in 0..<d.slots {
            d.states.append(g.states[s])
            guard g.states[s] != SlotState.free else { continue }
            d.labels.append(g.labels[s])
            d.levels.append(g.levels[s])
            d.vectors += UnsafeBufferPointer(start: g.vector(UInt32(s)), count: g.dim)
            for l in 0...Int(g.levels[s]) {
                let list = g.links(UInt32(s), l)
                d.lists.append(Array(UnsafeBufferPointer(start: list + 1, count: Int(list[0]))))
            }
        }
        return d
    }

    func assertValid(_ index: HNSWIndex, _ what: String = "", file: StaticString = #filePath, line: UInt = #line) {
        guard let g = index.graph else { return }
        XCTAssertNil(g.invalidity(slots: index.slotCount, entry: index.entryPoint, maxLevel: index.maxLevel), what, file: file, line: line)
    }

    func reopen(_ path: String, _ c: HNSWConfig, file: StaticString = #filePath, line: UInt = #line) throws -> HNSWIndex {
        let (index, loadError) = try VectorIndexes.openOrCreate(config: c, snapshotPath: path)
        XCTAssertNil(loadError, file: file, line: line)
        return try XCTUnwrap(index as? HNSWIndex, file: file, line: line)
    }

    func logBytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path + ".log")) }

    func testReplayReproducesTheIndexWithAndWithoutASnapshot() throws {
        let path = temporaryPath("class-1.index")
        let c = config()
        let data = clusteredData(count: 700, dim: 12, seed: 41)
        let moved = clusteredData(count: 60, dim: 12, seed: 42)
        let queries = clusteredData(count: 20, dim: 12, seed: 43)
        var index: HNSWIndex? = try XCTUnwrap(VectorIndexes.make(config: c, snapshotPath: path) as? HNSWIndex)
        var seq: UInt64 = 0
        func next() -> UInt64 { seq += 1; return seq }

        // Phase 1, no snapshot yet: inserts, deletes, replacements, a cleanup, inserts into freed slots.
        for v in data.prefix(400) { try index!.upsert(id: UInt64(seq), vector: v, sequence: next()) }
        for i in stride(from: 0, to: 400, by: 5) { index!.delete(id: UInt64(i), sequence: next()) }
        for (i, v) in moved.prefix(30).enumerated() { try index!.upsert(id: UInt64(3 * i + 1), vector: v, sequence: next()) }
        index!.cleanup()
        for (i, v) in data[400..<500].enumerated() { try index!.upsert(id: UInt64(1000 + i), vector: v, sequence: next()) }
        for i in stride(from: 2, to: 100, by: 7) { index!.delete(id: UInt64(i), sequence: next()) }
        index!.markCovered(upTo: next())
        XCTAssertGreaterThan(index!.tombstoneCount, 0)
        let live1 = dump(index!)
        let hits1 = queries.map { index!.search($0, k: 10, allowList: nil) }
        index = nil

        let replayed = try reopen(path, c)
        XCTAssertGreaterThan(replayed.lastReplay?.records ?? 0, 0)
        XCTAssertNil(replayed.lastReplay?.stopReason)
        XCTAssertEqual(dump(replayed), live1)
        XCTAssertEqual(queries.map { replayed.search($0, k: 10, allowList: nil) }, hits1)
        assertValid(replayed)

        // Phase 2: a snapshot, then more changes (including a cleanup) on top of it, then a kill.
        try replayed.persist()
        XCTAssertEqual(try logBytes(path).count, GraphLogFormat.headerBytes, "persist() starts an empty log")
        for (i, v) in moved[30...].enumerated() { try replayed.upsert(id: UInt64(1000 + 2 * i), vector: v, sequence: next()) }
        for i in stride(from: 1, to: 300, by: 11) { replayed.delete(id: UInt64(i), sequence: next()) }
        replayed.cleanup()
        for (i, v) in data[500...].enumerated() { try replayed.upsert(id: UInt64(5000 + i), vector: v, sequence: next()) }
        replayed.delete(id: 5000, sequence: next())
        let live2 = dump(replayed)
        let hits2 = queries.map { replayed.search($0, k: 10, allowList: nil) }

        let again = try reopen(path, c)
        XCTAssertEqual(dump(again), live2)
        XCTAssertEqual(again.coveredSequence, seq)
        XCTAssertEqual(again.count, replayed.count)
        XCTAssertEqual(again.tombstoneCount, 1)
        XCTAssertEqual(queries.map { again.search($0, k: 10, allowList: nil) }, hits2)
        assertValid(again)
        // The replayed index keeps logging: one more write survives another kill.
        try again.upsert(id: 9999, vector: queries[0], sequence: next())
        let third = try reopen(path, c)
        XCTAssertEqual(third.search(queries[0], k: 1, allowList: nil).first?.id, 9999)
        XCTAssertEqual(third.coveredSequence, seq)
    }

    func testParallelApplyReplaysToTheSameGraph() throws {
        let path = temporaryPath("class-2.index")
        let c = config(.cosine, m: 6)
        let data = clusteredData(count: 1200, dim: 10, seed: 51)
        let queries = clusteredData(count: 20, dim: 10, seed: 52)
        let live = try XCTUnwrap(VectorIndexes.make(config: c, snapshotPath: path) as? HNSWIndex)
        let first = data.prefix(900).enumerated().map { VectorChange(id: UInt64($0.offset), vector: $0.element) }
        XCTAssertTrue(live.apply(first, through: 10, threads: 2).allSatisfy { $0 == nil })
        // Second batch: replacements, deletes and new ids, all distinct; one bad vector fails alone.
        var second = (0..<100).map { VectorChange(id: UInt64($0 * 3), vector: data[900 + $0]) }
        second += (0..<100).map { VectorChange(id: UInt64($0 * 3 + 1), vector: nil) }
        second += (0..<200).map { VectorChange(id: UInt64(2000 + $0), vector: data[1000 + $0]) }
        second.append(VectorChange(id: 7777, vector: [1, 2, 3]))
        let errors = live.apply(second, through: 20, threads: 3)
        XCTAssertEqual(errors.last??.description, VectorIndexError.dimensionMismatch(expected: 10, got: 3).description)
        XCTAssertEqual(errors.dropLast().compactMap { $0 }.count, 0)
        // Repeated ids apply in order.
        let repeated = [VectorChange(id: 5000, vector: data[0]), VectorChange(id: 5000, vector: nil), VectorChange(id: 5000, vector: data[1])]
        XCTAssertTrue(live.apply(repeated, through: 30, threads: 2).allSatisfy { $0 == nil })
        XCTAssertEqual(live.count, 900 - 100 + 200 + 1)
        XCTAssertEqual(live.coveredSequence, 30)

        let replayed = try reopen(path, c)
        assertValid(replayed)
        XCTAssertEqual(dump(replayed), dump(live))
        for q in queries { XCTAssertEqual(replayed.search(q, k: 10, allowList: nil), live.search(q, k: 10, allowList: nil)) }
        XCTAssertEqual(replayed.coveredSequence, 30)
    }

    /// A batch that logs several MB leaves the log's buffers at their resting size (they once kept the
    /// high-water mark of the biggest batch: 8 to 13 MiB more index memory at 50-d in bench/ann), and
    /// what it logged still replays to the same graph.
    func testLogBuffersShrinkAfterABigBatch() throws {
        let path = temporaryPath("class-3.index")
        let c = config(.cosine, m: 16)
        let data = clusteredData(count: 6000, dim: 64, seed: 53)
        let live = try XCTUnwrap(VectorIndexes.make(config: c, snapshotPath: path) as? HNSWIndex)
        let changes = data.enumerated().map { VectorChange(id: UInt64($0.offset), vector: $0.element) }
        XCTAssertTrue(live.apply(changes, through: 1, threads: 2).allSatisfy { $0 == nil })
        let log = try XCTUnwrap(live.graphLog)
        let logged = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: path + ".log")[.size] as? Int)
        XCTAssertGreaterThan(logged, 2 * GraphLog.flushThreshold)
        XCTAssertEqual(log.bufferCapacity, 2 * GraphLog.restingCapacity)
        XCTAssertEqual(dump(try reopen(path, c)), dump(live))
    }

    /// Single writes from several threads at once (the log's per-node order and `covered` bookkeeping
    /// under contention), including deletes and a cleanup racing with inserts.
    func testConcurrentSingleWritesReplayExactly() throws {
        let path = temporaryPath("class-3.index")
        let c = config(m: 6)
        let data = clusteredData(count: 900, dim: 8, seed: 55)
        let live = try XCTUnwrap(VectorIndexes.make(config: c, snapshotPath: path) as? HNSWIndex)
        DispatchQueue.concurrentPerform(iterations: 3) { worker in
            if worker < 2 {
                for i in stride(from: worker, to: data.count, by: 2) { try! live.upsert(id: UInt64(i), vector: data[i], sequence: UInt64(i + 1)) }
            } else {
                for i in stride(from: 0, to: 600, by: 3) {
                    live.delete(id: UInt64(i), sequence: 1)
                    if i % 150 == 0 { live.cleanup() }
                }
            }
        }
        live.markCovered(upTo: 5000)
        let replayed = try reopen(path, c)
        assertValid(replayed)
        XCTAssertEqual(dump(replayed), dump(live))
        XCTAssertEqual(replayed.coveredSequence, 5000)
    }

    /// The log is cut at many offsets (a torn tail) or its last record is damaged: opening never
    /// crashes, keeps a valid prefix (covered never beyond the truth), and appending after it works.
    func testTornOrDamagedTailKeepsAValidPrefix() throws {
        let c = config(m: 4)
        let source = temporaryPath("torn-source.index")
        let index = try XCTUnwrap(VectorIndexes.make(config: c, snapshotPath: source) as? HNSWIndex)
        let data = clusteredData(count: 120, dim: 6, seed: 61)
        for (i, v) in data.enumerated() { try index.upsert(id: UInt64(i), vector: v, sequence: UInt64(i + 1)) }
        for i in 0..<20 { index.delete(id: UInt64(i * 5), sequence: UInt64(200 + i)) }
        index.cleanup()
        for i in 0..<10 { try index.upsert(id: UInt64(500 + i), vector: data[i], sequence: UInt64(300 + i)) }
        let full = try logBytes(source)
        let truth = index.coveredSequence

        // Record boundaries, to damage the last record and to check cuts land before it.
        var starts = [Int]()
        var at = GraphLogFormat.headerBytes
        while at + 8 <= full.count {
            starts.append(at)
            let len = Int(full[at]) | Int(full[at + 1]) << 8 | Int(full[at + 2]) << 16 | Int(full[at + 3]) << 24
            at += 8 + len
        }
        XCTAssertEqual(at, full.count)

        var cuts = Array(stride(from: 0, to: full.count, by: max(1, full.count / 150)))
        cuts += [GraphLogFormat.headerBytes - 1, GraphLogFormat.headerBytes, GraphLogFormat.headerBytes + 1, full.count - 1]
        cuts.sort()
        var damaged = full
        damaged[starts.last! + 9] ^= 0x10
        var cases: [(String, Data)] = cuts.map { ("cut at \($0)", full.prefix($0)) }
        cases.append(("last record damaged", damaged))
        var lastCovered: UInt64 = 0
        for (what, bytes) in cases {
            let path = temporaryPath("torn.index")
            writeWithoutSync(bytes, to: path + ".log")
            let opened = try reopen(path, c)
            XCTAssertLessThanOrEqual(opened.coveredSequence, truth, what)
            assertValid(opened, what)
            if what.hasPrefix("cut") { XCTAssertGreaterThanOrEqual(opened.coveredSequence, lastCovered, what); lastCovered = opened.coveredSequence }
            if what == "last record damaged" {
                XCTAssertNotNil(opened.lastReplay?.stopReason)
                XCTAssertEqual(opened.lastReplay?.bytes, starts.last!)
            }
            // Appending after the cut works and survives another kill.
            try opened.upsert(id: 9000, vector: data[3], sequence: truth + 1)
            let before = dump(opened)
            let again = try reopen(path, c)
            XCTAssertEqual(dump(again), before, what)
            XCTAssertEqual(again.coveredSequence, truth + 1, what)
            assertValid(again, what)
        }
        let whole = temporaryPath("whole.index")
        try full.write(to: URL(fileURLWithPath: whole + ".log"))
        XCTAssertEqual(try reopen(whole, c).coveredSequence, truth)
    }

    func testLogsThatDoNotExtendTheSnapshotAreIgnored() throws {
        let c = config()
        let data = clusteredData(count: 200, dim: 8, seed: 71)
        let path = temporaryPath("nonce.index")
        let index = try XCTUnwrap(VectorIndexes.make(config: c, snapshotPath: path) as? HNSWIndex)
        for (i, v) in data.prefix(100).enumerated() { try index.upsert(id: UInt64(i), vector: v, sequence: UInt64(i + 1)) }
        let emptyBasedLog = try logBytes(path)           // nonce 0: extends the empty index

        // Crash after the snapshot's rename but before the log was replaced: the old log is ignored.
        try index.persist()
        let atSnapshot = dump(index)
        try emptyBasedLog.write(to: URL(fileURLWithPath: path + ".log"))
        var opened = try reopen(path, c)
        XCTAssertNil(opened.lastReplay)
        XCTAssertEqual(dump(opened), atSnapshot)
        XCTAssertEqual(try logBytes(path).count, GraphLogFormat.headerBytes, "an ignored log is replaced")

        // A log of an older snapshot (another nonce) is ignored too.
        for (i, v) in data[100...].enumerated() { try opened.upsert(id: UInt64(100 + i), vector: v, sequence: UInt64(200 + i)) }
        let olderLog = try logBytes(path)
        try opened.persist()
        let atSecond = dump(opened)
        try opened.upsert(id: 999, vector: data[0], sequence: 1000)
        try olderLog.write(to: URL(fileURLWithPath: path + ".log"))
        opened = try reopen(path, c)
        XCTAssertEqual(dump(opened), atSecond)
        XCTAssertEqual(opened.coveredSequence, 299)

        // No snapshot: a log that extends a snapshot is ignored (fresh index); so is one with other settings.
        try FileManager.default.removeItem(atPath: path)
        try olderLog.write(to: URL(fileURLWithPath: path + ".log"))
        opened = try reopen(path, c)
        XCTAssertEqual(opened.count, 0)
        try emptyBasedLog.write(to: URL(fileURLWithPath: path + ".log"))
        var otherM = c
        otherM.maxConnections = 9
        opened = try reopen(path, otherM)
        XCTAssertEqual(opened.count, 0)
        try emptyBasedLog.write(to: URL(fileURLWithPath: path + ".log"))
        opened = try reopen(path, c)
        XCTAssertEqual(opened.count, 100)
        XCTAssertEqual(opened.coveredSequence, 100)

        // make() starts over: a new class at the same path does not inherit the old log.
        _ = try VectorIndexes.make(config: c, snapshotPath: path)
        opened = try reopen(path, c)
        XCTAssertEqual(opened.count, 0)

        VectorIndexes.removeFiles(snapshotPath: path)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".log"))
    }

    /// Records with valid checksums but nonsense contents (slots, levels, lengths) never crash replay,
    /// and what replay keeps is a valid graph.
    func testCraftedLogRecordsNeverCrashReplay() throws {
        let c = config(m: 4)
        var rng = TestRNG(seed: 81)
        var applied = 0
        for round in 0..<60 {
            let path = temporaryPath("crafted.index")
            let probe = try HNSWIndex(config: c, snapshotPath: nil)
            let log = try GraphLog.create(path: path + ".log", header: probe.logHeader(nonce: 0))
            let dim = 3
            if round % 10 != 0 { log.append(.createGraph, payloadBytes: 4) { $0.u32(UInt32(dim)) } }
            var nextSlot: UInt32 = 0  // most records name slots that exist, so replay gets past them
            func small() -> UInt32 {
                Int.random(in: 0..<20, using: &rng) == 0 || nextSlot == 0 ? UInt32.random(in: 0..<12, using: &rng)
                    : UInt32.random(in: 0..<nextSlot, using: &rng)
            }
            func lvl() -> UInt8 { Int.random(in: 0..<20, using: &rng) == 0 ? UInt8.random(in: 0..<3, using: &rng) : 0 }
            for _ in 0..<3 {
                let slot = nextSlot
                nextSlot += 1
                log.append(.initNode, payloadBytes: 13 + 4 * dim) { w in
                    w.u32(slot); w.u8(0); w.u64(UInt64(slot)); for _ in 0..<dim { w.u32(Float(slot).bitPattern) }
                }
            }
            for _ in 0..<Int.random(in: 1..<300, using: &rng) {
                // Kinds that rarely pass their checks when random come rarely, so replay gets deep.
                let common: [GraphLogRecord] = [.initNode, .initNode, .initNode, .setList, .appendLink, .appendLink,
                                                .tombstone, .entryPoint, .covered]
                let rare: [GraphLogRecord] = [.pruneLinks, .freeSlots, .createGraph]
                let kind = (Int.random(in: 0..<40, using: &rng) == 0 ? rare : common).randomElement(using: &rng)!
                switch kind {
                case .createGraph: log.append(.createGraph, payloadBytes: 4) { $0.u32(UInt32.random(in: 0..<5, using: &rng)) }
                case .initNode:
                    let slot = Int.random(in: 0..<20, using: &rng) > 0 ? nextSlot : small()
                    if slot == nextSlot { nextSlot += 1 }
                    let level = lvl(), label = UInt64(small())
                    log.append(.initNode, payloadBytes: 13 + 4 * dim) { w in
                        w.u32(slot); w.u8(level); w.u64(label)
                        for _ in 0..<dim { w.u32(Float.random(in: -1...1, using: &rng).bitPattern) }
                    }
                case .setList:
                    let n = Int.random(in: 0..<6, using: &rng)
                    let slot = small(), level = lvl()
                    let entries = (0..<n).map { _ in small() }
                    log.append(.setList, payloadBytes: 7 + 4 * n) { w in
                        w.u32(slot); w.u8(level); w.u16(UInt16(n)); for e in entries { w.u32(e) }
                    }
                case .appendLink:
                    let a = small(), l = lvl(), b = small()
                    log.append(.appendLink, payloadBytes: 9) { $0.u32(a); $0.u8(l); $0.u32(b) }
                case .pruneLinks:
                    let n = Int.random(in: 0..<10, using: &rng)
                    let a = small(), l = UInt8.random(in: 0..<3, using: &rng), b = small()
                    let mask = (0..<((n + 8) / 8)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                    log.append(.pruneLinks, payloadBytes: 11 + mask.count) { w in
                        w.u32(a); w.u8(l); w.u32(b); w.u16(UInt16(n)); for m in mask { w.u8(m) }
                    }
                case .tombstone: let s = small(); log.append(.tombstone, payloadBytes: 4) { $0.u32(s) }
                case .entryPoint:
                    let s = Int.random(in: 0..<5, using: &rng) == 0 ? UInt32.max : small(), l = lvl()
                    log.append(.entryPoint, payloadBytes: 5) { $0.u32(s); $0.u8(l) }
                case .freeSlots:
                    let s = (0..<Int.random(in: 0..<3, using: &rng)).map { _ in small() }
                    log.append(.freeSlots, payloadBytes: 4 + 4 * s.count) { w in w.u32(UInt32(s.count)); for x in s { w.u32(x) } }
                case .covered: let s = UInt64(small()); log.append(.covered, payloadBytes: 8) { $0.u64(s) }
                }
            }
            // A record too short for the count it claims ends replay like a torn tail.
            log.append(.setList, payloadBytes: 7) { $0.u32(0); $0.u8(0); $0.u16(1000) }
            log.flush()
            let opened = try reopen(path, c)
            applied += opened.lastReplay?.records ?? 0
            assertValid(opened, "round \(round)")
            let d = opened.dimensions == 0 ? dim : opened.dimensions
            _ = opened.search([Float](repeating: 0.2, count: d), k: 5, allowList: nil)
            try opened.upsert(id: 77, vector: [Float](repeating: 0.5, count: d), sequence: 1)
            XCTAssertEqual(opened.search([Float](repeating: 0.5, count: d), k: 1, allowList: nil).first?.id, 77, "round \(round)")
        }
        XCTAssertGreaterThan(applied, 600, "the crafted records should mostly get past the first checks")
    }

    /// issue #17: flipping any bit of a snapshot's header or trailer fails the load (or, for bits no
    /// check depends on, loads) but never crashes or sizes an allocation from the damaged value.
    func testSnapshotHeaderBitFlipsNeverCrash() throws {
        for skip in [false, true] {
            var c = config()
            c.skip = skip
            let path = temporaryPath("flip.index")
            let index = try VectorIndexes.make(config: c, snapshotPath: path)
            for (i, v) in clusteredData(count: 40, dim: 4, seed: 91).enumerated() { try index.upsert(id: UInt64(i), vector: v, sequence: 1) }
            try index.persist()
            let good = try Data(contentsOf: URL(fileURLWithPath: path))
            // Every bit of the header and the trailer, and one bit of some payload bytes.
            var flips = (Array(0..<SnapshotFormat.headerBytes) + Array((good.count - SnapshotFormat.trailerBytes)..<good.count))
                .flatMap { byte in (0..<8).map { (byte, $0) } }
            if !skip { flips += stride(from: SnapshotFormat.headerBytes, to: good.count - 16, by: 97).map { ($0, 3) } }
            var loaded = 0
            for (n, (byte, bit)) in flips.enumerated() {
                var bad = good
                bad[byte] ^= 1 << UInt8(bit)
                let flipped = path + ".\(n)"
                writeWithoutSync(bad, to: flipped)
                defer { VectorIndexes.removeFiles(snapshotPath: flipped) }
                if (try? VectorIndexes.load(snapshotPath: flipped, config: c)) != nil { loaded += 1 }
                if n % 16 == 0 {
                    let (opened, loadError) = try VectorIndexes.openOrCreate(config: c, snapshotPath: flipped)
                    XCTAssertNotNil(loadError)
                    _ = opened.search([0, 0, 0, 0], k: 3, allowList: nil)
                }
            }
            XCTAssertEqual(loaded, 0, "skip=\(skip): the checksum covers the header")
        }
    }

    func testFlatIndexApply() throws {
        // FlatIndex.apply: same contract, no log.
        let flat = try VectorIndexes.make(config: { var c = config(); c.skip = true; return c }(), snapshotPath: nil)
        let errors = flat.apply([VectorChange(id: 1, vector: [1, 0]), VectorChange(id: 2, vector: [0, 1]),
                                 VectorChange(id: 1, vector: nil), VectorChange(id: 3, vector: [.nan, 1])], through: 4, threads: 2)
        XCTAssertNil(errors[0]); XCTAssertNil(errors[2]); XCTAssertNotNil(errors[3])
        XCTAssertEqual(flat.count, 1)
        XCTAssertEqual(flat.coveredSequence, 4)
    }
}

/// Foundation's `Data.write` fsyncs; thousands of small test files do not need that.
func writeWithoutSync(_ data: Data, to path: String) {
    let f = fopen(path, "wb")!
    data.withUnsafeBytes { _ = fwrite($0.baseAddress, 1, $0.count, f) }
    fclose(f)
}
