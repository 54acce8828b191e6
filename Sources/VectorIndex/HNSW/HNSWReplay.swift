import CDistances
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What replaying a graph log did (for logs and tests).
public struct GraphLogReplay: Sendable, Equatable {
    /// Records applied.
    public var records: Int
    /// Bytes of the log kept (header and applied records); the file is cut there.
    public var bytes: Int
    /// Why replay stopped before the end of the file (a torn tail or a bad record), nil at a clean end.
    public var stopReason: String?
}

extension HNSWIndex {
    /// Replays `<snapshotPath>.log` if it extends this index (same snapshot nonce and settings), cuts a
    /// torn tail and keeps appending to it; otherwise a new empty log replaces it. Runs before the
    /// index is shared. Throws `corruptSnapshot` if the replayed graph fails its checks.
    func attachLog() throws {
        guard let snapshotPath else { return }
        let path = HNSWIndex.logPath(snapshotPath)
        let header = logHeader(nonce: snapshotNonce)
        if snapshotNonce != GraphLogFormat.unmatchable, let reader = GraphLogReader(path: path), reader.header == header {
            lastReplay = try replay(reader)
            graphLog = try GraphLog.reopen(path: path, validBytes: reader.validEnd)
        } else {
            graphLog = try GraphLog.create(path: path, header: header)
        }
    }

    /// Applies the log's records in order. Every record is checked against the graph before it changes
    /// anything (a crafted log must not crash), and the first implausible one ends the replay like a
    /// torn tail does.
    func replay(_ reader: GraphLogReader) throws -> GraphLogReplay {
        var slots = slotCount
        var entry = entryPoint, top = maxLevel
        var seq = sequence
        var records = 0
        func stop(_ why: String) -> GraphLogReplayStop { .bad(why) }
        func used(_ g: HNSWGraph, _ s: UInt32) -> Bool { Int(s) < slots && g.states[Int(s)] != SlotState.free }
        replaying: while let (type, payload) = reader.next() {
            var r = LogPayloadReader(base: payload.baseAddress ?? UnsafeRawPointer(bitPattern: 8)!, count: payload.count)
            do {
                guard let kind = GraphLogRecord(rawValue: type) else { throw stop("unknown record type \(type)") }
                if kind != .createGraph && kind != .covered && graph == nil { throw stop("\(kind) before the graph exists") }
                switch kind {
                case .createGraph:
                    let dim = Int(try r.u32())
                    guard graph == nil, (1...(1 << 20)).contains(dim) else { throw stop("bad createGraph") }
                    graph = try HNSWGraph(dim: dim, maxConnections: maxConnections, capacity: initialCapacity)
                case .initNode:
                    let g = graph!
                    let slot = try r.u32(), level = Int(try r.u8()), label = try r.u64()
                    let vector = try r.bytes(g.dim * 4)
                    guard r.remaining == 0, Int(slot) <= slots, slot < HNSWIndex.noEntry - 1 else { throw stop("bad initNode slot \(slot)") }
                    if Int(slot) == slots {
                        if slots == g.capacity { try g.grow(to: max(1024, g.capacity * 2)) }
                        slots += 1
                    } else if g.states[Int(slot)] != SlotState.free {
                        throw stop("initNode of used slot \(slot)")
                    }
                    g.initialiseSlot(slot, level: level, label: label, vector: vector)
                    g.states[Int(slot)] = SlotState.live
                case .setList:
                    let g = graph!
                    let slot = try r.u32(), level = Int(try r.u8()), n = Int(try r.u16())
                    let entries = try r.bytes(4 * n)
                    guard r.remaining == 0, used(g, slot), level <= Int(g.levels[Int(slot)]), n <= g.capacity(atLevel: level) else {
                        throw stop("bad setList")
                    }
                    @inline(__always) func at(_ j: Int) -> UInt32 { UInt32(littleEndian: entries.loadUnaligned(fromByteOffset: 4 * j, as: UInt32.self)) }
                    for j in 0..<n where Int(at(j)) >= slots { throw stop("setList names slot \(at(j)) beyond \(slots)") }
                    let list = g.links(slot, level)
                    for j in 0..<n { list[j + 1] = at(j) }
                    list[0] = UInt32(n)
                case .appendLink:
                    let g = graph!
                    let node = try r.u32(), level = Int(try r.u8()), slot = try r.u32()
                    guard r.remaining == 0, used(g, node), level <= Int(g.levels[Int(node)]), Int(slot) < slots else {
                        throw stop("bad appendLink")
                    }
                    let list = g.links(node, level)
                    let n = Int(list[0])
                    guard n < g.capacity(atLevel: level) else { throw stop("appendLink to a full list") }
                    list[n + 1] = slot
                    list[0] = UInt32(n + 1)
                case .pruneLinks:
                    let g = graph!
                    let node = try r.u32(), level = Int(try r.u8()), slot = try r.u32(), n = Int(try r.u16())
                    let mask = try r.bytes((n + 1 + 7) / 8)
                    guard r.remaining == 0, used(g, node), level <= Int(g.levels[Int(node)]), Int(slot) < slots else {
                        throw stop("bad pruneLinks")
                    }
                    let list = g.links(node, level)
                    guard Int(list[0]) == n else { throw stop("pruneLinks expects \(n) entries, list has \(list[0])") }
                    @inline(__always) func kept(_ j: Int) -> Bool { mask.load(fromByteOffset: j >> 3, as: UInt8.self) & (1 << UInt8(j & 7)) != 0 }
                    var total = 0
                    for j in 0...n where kept(j) { total += 1 }
                    guard total <= g.capacity(atLevel: level) else { throw stop("pruneLinks keeps too many") }
                    var out = 0
                    for j in stride(from: 1, through: n, by: 1) where kept(j - 1) {
                        out += 1
                        list[out] = list[j]
                    }
                    if kept(n) { out += 1; list[out] = slot }
                    list[0] = UInt32(out)
                case .tombstone:
                    let g = graph!
                    let slot = try r.u32()
                    guard r.remaining == 0, Int(slot) < slots, g.states[Int(slot)] == SlotState.live else { throw stop("bad tombstone") }
                    g.states[Int(slot)] = SlotState.deleted
                case .entryPoint:
                    let g = graph!
                    let slot = try r.u32(), level = Int(try r.u8())
                    guard r.remaining == 0, slot == HNSWIndex.noEntry || (used(g, slot) && Int(g.levels[Int(slot)]) >= level) else {
                        throw stop("bad entryPoint")
                    }
                    entry = slot
                    top = level
                case .freeSlots:
                    let g = graph!
                    let n = Int(try r.u32())
                    let list = try r.bytes(4 * n)
                    guard r.remaining == 0 else { throw stop("bad freeSlots") }
                    @inline(__always) func at(_ j: Int) -> Int { Int(UInt32(littleEndian: list.loadUnaligned(fromByteOffset: 4 * j, as: UInt32.self))) }
                    for j in 0..<n where at(j) >= slots || g.states[at(j)] != SlotState.deleted { throw stop("freeSlots names a slot that is not a tombstone") }
                    for j in 0..<n { g.releaseSlot(UInt32(at(j))) }
                case .covered:
                    let s = try r.u64()
                    guard r.remaining == 0 else { throw stop("bad covered") }
                    seq = max(seq, s)
                }
            } catch GraphLogReplayStop.bad(let why) {
                reader.reject(why)
                break replaying
            }
            reader.accept()
            records += 1
        }
        slotCount = slots
        entryPoint = entry
        maxLevel = top
        sequence = seq
        rebuildRegistry()
        if let g = graph, let problem = g.invalidity(slots: slots, entry: entry, maxLevel: top) {
            throw VectorIndexError.corruptSnapshot(path: reader.path, reason: "replayed graph log is inconsistent: \(problem)")
        }
        if records > 0 { version &+= 1 }  // the next `persist()` folds the log into a snapshot
        return GraphLogReplay(records: records, bytes: reader.validEnd, stopReason: reader.stopReason)
    }
}
