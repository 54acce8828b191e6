/// A dynamic JSON value: request bodies, object properties, module configs, tokenizer.json, model configs.
///
/// Integers and floating-point numbers are kept apart (`int` vs `double`) so that an `int` property
/// round-trips as `5`, not `5.0`, and so that validation can tell `1` from `1.5`.
public enum JSONValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null; return }
        if let b = try? c.decode(Bool.self) { self = .bool(b); return }
        if let i = try? c.decode(Int64.self) { self = .int(i); return }
        if let d = try? c.decode(Double.self) { self = .double(d); return }
        if let s = try? c.decode(String.self) { self = .string(s); return }
        if let a = try? c.decode([JSONValue].self) { self = .array(a); return }
        if let o = try? c.decode([String: JSONValue].self) { self = .object(o); return }
        throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a JSON value")
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    // MARK: Parsing

    /// The nesting limit of `parse` unless told otherwise.
    public static let defaultMaxDepth = 128

    /// Parses JSON text (`Data`, `[UInt8]`, a buffer). Numbers without a fraction or exponent become `.int`
    /// when they fit in Int64. Throws `JSONParseError` for malformed input or nesting deeper than `maxDepth`.
    ///
    /// By default invalid UTF-8 and lone `\u` surrogates become U+FFFD, as Go's `encoding/json` (and so
    /// Weaviate) reads them; `strictUnicode` rejects them instead (model files, where they mean corruption).
    public static func parse<Bytes: Collection<UInt8>>(
        _ bytes: Bytes, maxDepth: Int = defaultMaxDepth, strictUnicode: Bool = false
    ) throws -> JSONValue {
        let direct = try bytes.withContiguousStorageIfAvailable {
            try JSONParser.parse($0, maxDepth: maxDepth, strictUnicode: strictUnicode)
        }
        if let direct { return direct }
        return try Array(bytes).withUnsafeBufferPointer {
            try JSONParser.parse($0, maxDepth: maxDepth, strictUnicode: strictUnicode)
        }
    }

    /// `parse` over bytes already in memory (request bodies). More than `maxValues` values (scalars,
    /// arrays and objects) throw `JSONTooManyValuesError`.
    public static func parse(bytes: [UInt8], maxDepth: Int = defaultMaxDepth, strictUnicode: Bool = false,
                             maxValues: Int = .max) throws -> JSONValue {
        try bytes.withUnsafeBufferPointer {
            try JSONParser.parse($0, maxDepth: maxDepth, strictUnicode: strictUnicode, maxValues: maxValues)
        }
    }

    /// `parse` of a top-level object whose member `key`, when it is an array, is not kept: each element
    /// goes to `element` (with its index) as soon as it is parsed, and the result holds `[]` there. A
    /// request like `{"objects":[…]}` then never holds the whole tree of its items, only one at a time
    /// (a 200 MB batch of vectors is ~16 M numbers: 16 bytes each as JSONValues, 4 as the floats the
    /// caller keeps). A repeated `key` starts again at index 0; Go keeps the last value of a repeated key.
    /// `maxValues` counts the streamed elements' values too.
    public static func parse(bytes: [UInt8], maxDepth: Int = defaultMaxDepth, maxValues: Int = .max, streaming key: String,
                             element: (Int, JSONValue) throws -> Void) throws -> JSONValue {
        try withoutActuallyEscaping(element) { element in
            try bytes.withUnsafeBufferPointer {
                try JSONParser.parse($0, maxDepth: maxDepth, strictUnicode: false, maxValues: maxValues,
                                     streamedKey: key, element: element)
            }
        }
    }

    // MARK: Writing

    /// Compact JSON text with sorted keys (Go's `encoding/json` also sorts map keys).
    public func jsonString() -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        appendJSON(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends compact JSON (sorted keys, non-finite doubles as `null`) to a byte buffer.
    public func appendJSON(to out: inout [UInt8]) {
        switch self {
        case .null: JSONText.appendASCII("null", to: &out)
        case .bool(let b): JSONText.appendASCII(b ? "true" : "false", to: &out)
        case .int(let i): JSONText.appendInt(i, to: &out)
        case .double(let d): JSONText.appendDouble(d, to: &out)
        case .string(let s): JSONText.appendQuoted(s, to: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for i in a.indices {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                a[i].appendJSON(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            for (i, k) in o.keys.sorted().enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONText.appendQuoted(k, to: &out)
                out.append(UInt8(ascii: ":"))
                o[k]!.appendJSON(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    // MARK: Accessors

    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var objectValue: [String: JSONValue]? { if case .object(let o) = self { return o }; return nil }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    public var isNull: Bool { if case .null = self { return true }; return false }
    /// The numeric value of an `int` or `double`.
    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
    /// The value as an integer if it is an `int`, or a `double` with no fractional part.
    public var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d == d.rounded() && abs(d) < 9.2e18: return Int64(d)
        default: return nil
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, b in b }))
    }
    public init(nilLiteral: ()) { self = .null }
}
