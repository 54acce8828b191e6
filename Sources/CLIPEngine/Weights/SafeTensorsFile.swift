import Foundation

/// A .safetensors file: 8-byte little-endian header length, a JSON header
/// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}, then the raw data.
/// The file is memory-mapped; tensors are converted to fp32 when loaded.
final class SafeTensorsFile: WeightSource {
    struct Entry {
        let dtype: StoredDType
        let shape: [Int]
        let begin: Int
        let end: Int
    }

    let url: URL
    let entries: [String: Entry]
    let metadata: [String: String]
    private let file: MappedFile
    private let dataStart: Int

    var label: String { url.path }

    init(url: URL) throws {
        self.url = url
        file = try MappedFile(url)
        let name = url.lastPathComponent
        guard file.count >= 8 else { throw CLIPEngineError("\(name): too short for a safetensors file") }
        let lenBytes = try file.bytes(at: 0, length: 8)
        let headerLen = Int(UInt64(littleEndian: lenBytes.loadUnaligned(as: UInt64.self)))
        guard headerLen > 0, headerLen <= 100_000_000, headerLen <= file.count - 8 else {
            throw CLIPEngineError("\(name): invalid safetensors header length \(headerLen)")
        }
        let headerBytes = try file.bytes(at: 8, length: headerLen)
        guard let json = try? JSONSerialization.jsonObject(with: Data(headerBytes)), let header = json as? [String: Any] else {
            throw CLIPEngineError("\(name): the safetensors header is not a JSON object")
        }
        dataStart = 8 + headerLen
        let dataLength = file.count - dataStart
        var entries: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        for (key, value) in header {
            if key == "__metadata__" {
                if let m = value as? [String: Any] { for (k, v) in m { metadata[k] = "\(v)" } }
                continue
            }
            guard let d = value as? [String: Any], let dt = d["dtype"] as? String,
                  let shape = d["shape"] as? [NSNumber], let offs = d["data_offsets"] as? [NSNumber], offs.count == 2
            else { throw CLIPEngineError("\(name): malformed header entry for \"\(key)\"") }
            guard let dtype = StoredDType(rawValue: dt) else {
                throw CLIPEngineError("\(name): tensor \"\(key)\" has unsupported dtype \(dt)")
            }
            let dims = shape.map { $0.intValue }
            guard dims.allSatisfy({ $0 >= 0 }) else { throw CLIPEngineError("\(name): negative dimension in \"\(key)\"") }
            let (b, e) = (offs[0].intValue, offs[1].intValue)
            let elements = dims.reduce(1) { $0.multipliedReportingOverflow(by: $1).partialValue }
            guard b >= 0, e >= b, e <= dataLength, e - b == elements * dtype.byteSize else {
                throw CLIPEngineError("\(name): data offsets of \"\(key)\" do not match its shape \(dims) and dtype \(dt)")
            }
            entries[key] = Entry(dtype: dtype, shape: dims, begin: b, end: e)
        }
        self.entries = entries
        self.metadata = metadata
    }

    var tensorNames: [String] { entries.filter { $0.value.dtype.isFloat }.map(\.key).sorted() }

    func shape(of name: String) -> [Int]? { entries[name]?.shape }

    func load(_ name: String) throws -> WeightTensor {
        guard let e = entries[name] else { throw CLIPEngineError("\(url.path): no tensor \"\(name)\"") }
        let count = e.shape.reduce(1, *)
        let bytes = try file.bytes(at: dataStart + e.begin, length: e.end - e.begin)
        var values = [Float](repeating: 0, count: count)
        if count > 0 {
            try values.withUnsafeMutableBufferPointer { dst in
                try convertToFloat(bytes.baseAddress!, dtype: e.dtype, count: count, into: dst.baseAddress!)
            }
        }
        file.release(offset: dataStart + e.begin, length: e.end - e.begin)
        return WeightTensor(shape: e.shape, values: values)
    }
}

/// Writes a safetensors file (fp32 tensors), used by tests and the benchmark to make seeded models.
public enum SafeTensorsWriter {
    public static func write(_ tensors: [(String, WeightTensor)], to url: URL, metadata: [String: String] = ["format": "pt"]) throws {
        var header: [String: Any] = ["__metadata__": metadata]
        var offset = 0
        for (name, t) in tensors {
            guard t.values.count == t.count else {
                throw CLIPEngineError("tensor \(name): \(t.values.count) values for shape \(t.shape)")
            }
            header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + t.count * 4]] as [String: Any]
            offset += t.count * 4
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while (json.count + 8) % 8 != 0 { json.append(0x20) }
        var out = Data()
        out.reserveCapacity(8 + json.count + offset)
        var len = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &len) { out.append(contentsOf: $0) }
        out.append(json)
        for (_, t) in tensors {
            t.values.withUnsafeBytes { out.append(contentsOf: $0) }
        }
        try out.write(to: url)
    }
}
