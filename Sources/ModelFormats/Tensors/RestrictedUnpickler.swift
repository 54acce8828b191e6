/// A pickle reader that understands only what a PyTorch state dict needs (protocol 2 as torch.save
/// writes it, plus the few protocol 3/4 opcodes newer writers use for the same objects) and refuses
/// any other global or opcode. It never executes code: the allowed globals are interpreted here.
enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue])
    case list([PickleValue])
    case dict([(PickleValue, PickleValue)])
    case global(String)
    /// A storage reference from a persistent id: ("storage", <dtype storage class>, key, location, numel).
    case storage(dtype: TensorDType, key: String, numel: Int)
    case tensor(TensorRef)
    case mark

    var asInt: Int? { if case .int(let v) = self { return v } else if case .bool(let b) = self { return b ? 1 : 0 } else { return nil } }
    var asString: String? { if case .string(let s) = self { return s } else { return nil } }
    var asTuple: [PickleValue]? {
        switch self {
        case .tuple(let t), .list(let t): return t
        default: return nil
        }
    }
}

/// A tensor described by the pickle: a view into one storage.
public struct TensorRef: Sendable {
    public let dtype: TensorDType
    public let storageKey: String
    public let storageNumel: Int
    public let offset: Int
    public let shape: [Int]
    public let stride: [Int]
}

struct RestrictedUnpickler {
    /// A value on the stack or in the memo with its nesting depth: a crafted pickle can nest tuples a
    /// million deep in a few megabytes, and releasing (or walking) such a value recurses once per level.
    private struct Slot {
        var value: PickleValue
        var depth: Int
    }

    /// Deepest container nesting accepted; a state dict nests about five levels.
    static let maxDepth = 100

    private let bytes: [UInt8]
    private var pos = 0
    private var stack: [Slot] = []
    private var marks: [Int] = []
    private var memo: [Int: Slot] = [:]
    private let label: String

    static let storageTypes: [String: TensorDType] = [
        "torch.FloatStorage": .f32, "torch.HalfStorage": .f16, "torch.BFloat16Storage": .bf16,
        "torch.DoubleStorage": .f64, "torch.LongStorage": .i64, "torch.IntStorage": .i32,
        "torch.ShortStorage": .i16, "torch.CharStorage": .i8, "torch.ByteStorage": .u8, "torch.BoolStorage": .bool,
    ]
    static let callables: Set<String> = [
        "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor",
        "torch._utils._rebuild_parameter",
    ]

    init(_ bytes: [UInt8], label: String) {
        self.bytes = bytes
        self.label = label
    }

    private func fail(_ what: String) -> ModelFormatError {
        ModelFormatError(label, "\(what) (at byte \(pos)); only PyTorch state dicts are accepted")
    }

    private mutating func read(_ n: Int) throws -> ArraySlice<UInt8> {
        // `n <= count - pos`, not `pos + n <= count`: a length field near Int.max must not overflow.
        guard n >= 0, n <= bytes.count - pos else { throw fail("truncated pickle") }
        defer { pos += n }
        return bytes[pos..<(pos + n)]
    }

    private mutating func readUInt(_ n: Int) throws -> Int {
        let s = try read(n)
        var v: UInt64 = 0
        for (i, b) in s.enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
        guard v <= UInt64(Int.max) else { throw fail("length out of range") }
        return Int(v)
    }

    private mutating func readLine() throws -> String {
        guard let nl = bytes[pos...].firstIndex(of: 0x0A) else { throw fail("unterminated line") }
        defer { pos = nl + 1 }
        return String(decoding: bytes[pos..<nl], as: UTF8.self)
    }

    private mutating func popSlot() throws -> Slot {
        guard let v = stack.popLast() else { throw fail("stack underflow") }
        if case .mark = v.value { throw fail("unexpected mark") }
        return v
    }

    private mutating func pop() throws -> PickleValue { try popSlot().value }

    private mutating func popToMark() throws -> [Slot] {
        guard let m = marks.popLast(), m <= stack.count else { throw fail("no mark") }
        let items = Array(stack[m...])
        stack.removeSubrange(m...)
        return items
    }

    /// Pushes a scalar (depth 0) or a container one level deeper than its deepest element.
    private mutating func push(_ value: PickleValue, containing elements: [Slot] = []) throws {
        let depth = elements.isEmpty ? 0 : 1 + elements.map(\.depth).max()!
        try push(Slot(value: value, depth: depth))
    }

    private mutating func push(_ slot: Slot) throws {
        guard slot.depth <= Self.maxDepth else { throw fail("pickle nests deeper than \(Self.maxDepth) levels") }
        stack.append(slot)
    }

    private func global(_ module: String, _ name: String) throws -> PickleValue {
        let full = "\(module).\(name)"
        if Self.callables.contains(full) || Self.storageTypes[full] != nil { return .global(full) }
        throw fail("refusing to load global \(full)")
    }

    /// Runs the pickle and returns its top value.
    mutating func run() throws -> PickleValue {
        while true {
            let op = try read(1).first!
            switch op {
            case 0x80: _ = try read(1) // PROTO
            case 0x95: _ = try read(8) // FRAME
            case 0x2E: return try pop() // STOP
            case 0x28: marks.append(stack.count) // MARK
            case 0x7D: try push(.dict([])) // EMPTY_DICT
            case 0x5D: try push(.list([])) // EMPTY_LIST
            case 0x29: try push(.tuple([])) // EMPTY_TUPLE
            case 0x4E: try push(.none)
            case 0x88: try push(.bool(true))
            case 0x89: try push(.bool(false))
            case 0x4B: try push(.int(try readUInt(1))) // BININT1
            case 0x4D: try push(.int(try readUInt(2))) // BININT2
            case 0x4A: // BININT (signed 32)
                let v = try readUInt(4)
                try push(.int(Int(Int32(truncatingIfNeeded: UInt32(v)))))
            case 0x8A: // LONG1
                let n = try readUInt(1)
                let s = try read(n)
                guard n <= 8 else { throw fail("integer too large") }
                var v: UInt64 = 0
                for (i, b) in s.enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
                if n > 0, n < 8, s.last! & 0x80 != 0 { v |= ~UInt64(0) << (8 * UInt64(n)) }
                try push(.int(Int(Int64(bitPattern: v))))
            case 0x47: // BINFLOAT (big-endian double)
                let s = try read(8)
                var v: UInt64 = 0
                for b in s { v = v << 8 | UInt64(b) }
                try push(.float(Double(bitPattern: v)))
            case 0x58: try push(.string(String(decoding: try read(try readUInt(4)), as: UTF8.self))) // BINUNICODE
            case 0x8C: try push(.string(String(decoding: try read(try readUInt(1)), as: UTF8.self))) // SHORT_BINUNICODE
            case 0x8D: try push(.string(String(decoding: try read(try readUInt(8)), as: UTF8.self))) // BINUNICODE8
            case 0x54: try push(.string(String(decoding: try read(try readUInt(4)), as: UTF8.self))) // BINSTRING
            case 0x55: try push(.string(String(decoding: try read(try readUInt(1)), as: UTF8.self))) // SHORT_BINSTRING
            case 0x42: try push(.bytes(Array(try read(try readUInt(4))))) // BINBYTES
            case 0x43: try push(.bytes(Array(try read(try readUInt(1))))) // SHORT_BINBYTES
            case 0x71: memo[try readUInt(1)] = stack.last // BINPUT
            case 0x72: memo[try readUInt(4)] = stack.last // LONG_BINPUT
            case 0x94: memo[memo.count] = stack.last // MEMOIZE
            case 0x68, 0x6A: // BINGET, LONG_BINGET
                let k = try readUInt(op == 0x68 ? 1 : 4)
                guard let v = memo[k] else { throw fail("unknown memo key \(k)") }
                try push(v)
            case 0x63: // GLOBAL "module\nname\n"
                let module = try readLine(), name = try readLine()
                try push(try global(module, name))
            case 0x93: // STACK_GLOBAL
                let name = try pop(), module = try pop()
                guard let m = module.asString, let n = name.asString else { throw fail("bad STACK_GLOBAL") }
                try push(try global(m, n))
            case 0x74: let items = try popToMark(); try push(.tuple(items.map(\.value)), containing: items) // TUPLE
            case 0x85: let a = try popSlot(); try push(.tuple([a.value]), containing: [a]) // TUPLE1
            case 0x86: let b = try popSlot(), a = try popSlot(); try push(.tuple([a.value, b.value]), containing: [a, b]) // TUPLE2
            case 0x87: // TUPLE3
                let c = try popSlot(), b = try popSlot(), a = try popSlot()
                try push(.tuple([a.value, b.value, c.value]), containing: [a, b, c])
            case 0x6C: let items = try popToMark(); try push(.list(items.map(\.value)), containing: items) // LIST
            case 0x61: // APPEND
                let v = try popSlot(), list = try popSlot()
                guard case .list(var l) = list.value else { throw fail("APPEND to a non-list") }
                l.append(v.value); try push(Slot(value: .list(l), depth: max(list.depth, v.depth + 1)))
            case 0x65: // APPENDS
                let items = try popToMark(), list = try popSlot()
                guard case .list(var l) = list.value else { throw fail("APPENDS to a non-list") }
                l.append(contentsOf: items.map(\.value))
                try push(Slot(value: .list(l), depth: max(list.depth, 1 + (items.map(\.depth).max() ?? -1))))
            case 0x73: // SETITEM
                let v = try popSlot(), k = try popSlot(), dict = try popSlot()
                guard case .dict(var d) = dict.value else { throw fail("SETITEM on a non-dict") }
                d.append((k.value, v.value)); try push(Slot(value: .dict(d), depth: max(dict.depth, 1 + max(k.depth, v.depth))))
            case 0x75: // SETITEMS
                let items = try popToMark(), dict = try popSlot()
                guard items.count % 2 == 0, case .dict(var d) = dict.value else { throw fail("SETITEMS on a non-dict") }
                for i in stride(from: 0, to: items.count, by: 2) { d.append((items[i].value, items[i + 1].value)) }
                try push(Slot(value: .dict(d), depth: max(dict.depth, 1 + (items.map(\.depth).max() ?? -1))))
            case 0x51: // BINPERSID
                let pid = try popSlot()
                try push(Slot(value: try persistentLoad(pid.value), depth: pid.depth))
            case 0x52: // REDUCE
                let args = try popSlot(), callable = try popSlot()
                try push(Slot(value: try reduce(callable.value, args.value), depth: args.depth + 1))
            case 0x62: // BUILD: only an OrderedDict's attribute state (its _metadata), which is dropped
                _ = try pop()
                guard let top = stack.last, case .dict = top.value else { throw fail("BUILD on an object that is not a dict") }
            default:
                throw fail(String(format: "unsupported pickle opcode 0x%02X", op))
            }
        }
    }

    private func persistentLoad(_ pid: PickleValue) throws -> PickleValue {
        guard let t = pid.asTuple, t.count >= 5, t[0].asString == "storage",
              case .global(let cls) = t[1], let dtype = Self.storageTypes[cls],
              let key = t[2].asString, let numel = t[4].asInt
        else { throw fail("unsupported persistent id") }
        return .storage(dtype: dtype, key: key, numel: numel)
    }

    private func reduce(_ callable: PickleValue, _ args: PickleValue) throws -> PickleValue {
        guard case .global(let name) = callable, let a = args.asTuple else { throw fail("REDUCE on a non-callable") }
        switch name {
        case "collections.OrderedDict":
            guard a.isEmpty else { throw fail("OrderedDict with arguments") }
            return .dict([])
        case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor":
            // (storage, storage_offset, size, stride, ...)
            guard a.count >= 4, case .storage(let dtype, let key, let numel) = a[0], let offset = a[1].asInt,
                  let size = a[2].asTuple?.compactMap(\.asInt), let stride = a[3].asTuple?.compactMap(\.asInt),
                  size.count == stride.count
            else { throw fail("malformed _rebuild_tensor arguments") }
            return .tensor(TensorRef(dtype: dtype, storageKey: key, storageNumel: numel, offset: offset, shape: size, stride: stride))
        case "torch._utils._rebuild_parameter":
            guard a.count >= 1, case .tensor = a[0] else { throw fail("malformed _rebuild_parameter arguments") }
            return a[0]
        default:
            throw fail("refusing to call \(name)")
        }
    }
}
