import Foundation

/// A .safetensors file: 8-byte little-endian header length, a JSON header
/// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}, then the raw data.
/// Opening reads and checks the header only (every tensor's bytes must lie inside the file and match its
/// dtype and shape, so a truncated download is caught here); the file is memory-mapped and tensors are
/// converted to fp32 when loaded.
public final class SafeTensorsFile: TensorFile {
    public struct Entry: Sendable, Equatable {
        public let name: String
        /// The safetensors dtype name as written ("F32", "BF16", ...).
        public let dtypeName: String
        /// nil for a dtype this reader does not know (listed, never loaded).
        public let dtype: TensorDType?
        public let shape: [Int]
        /// Byte range in the data section (after the header).
        public let begin: Int
        public let end: Int

        public var elementCount: Int { shape.reduce(1, *) }
    }

    public let url: URL
    public let entries: [String: Entry]
    public let metadata: [String: String]
    /// Bytes of JSON after the 8-byte length.
    public let headerLength: Int
    private let file: MappedFile
    private var dataStart: Int { 8 + headerLength }

    public var label: String { url.path }

    public init(url: URL) throws {
        self.url = url
        file = try MappedFile(url)
        let path = url.path
        guard file.count >= 8 else { throw ModelFormatError(path, "too short to be a safetensors file") }
        let headerLength = Int(truncatingIfNeeded: UInt64(littleEndian: try file.bytes(at: 0, length: 8).loadUnaligned(as: UInt64.self)))
        guard headerLength > 1, headerLength <= 100_000_000, headerLength <= file.count - 8 else {
            throw ModelFormatError(path, "bad safetensors header length \(headerLength) for a \(file.count)-byte file")
        }
        self.headerLength = headerLength
        let headerBytes = try file.bytes(at: 8, length: headerLength)
        guard let header = (try? JSONSerialization.jsonObject(with: Data(headerBytes))) as? [String: Any] else {
            throw ModelFormatError(path, "the safetensors header is not a JSON object")
        }
        let dataLength = file.count - 8 - headerLength
        var entries: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                for (k, v) in (value as? [String: Any]) ?? [:] { metadata[k] = v as? String ?? "\(v)" }
                continue
            }
            guard let d = value as? [String: Any], let dtypeName = d["dtype"] as? String,
                  let shape = d["shape"] as? [NSNumber], let offsets = d["data_offsets"] as? [NSNumber], offsets.count == 2
            else { throw ModelFormatError(path, "tensor '\(name)' has no dtype/shape/data_offsets") }
            let dims = shape.map(\.intValue)
            guard dims.allSatisfy({ $0 >= 0 }) else { throw ModelFormatError(path, "tensor '\(name)' has a negative dimension") }
            let (b, e) = (offsets[0].intValue, offsets[1].intValue)
            guard b >= 0, e >= b, e <= dataLength else {
                throw ModelFormatError(path, "tensor '\(name)' points outside the file: its data offsets [\(b), \(e)] "
                                       + "do not match the \(dataLength) bytes of tensor data")
            }
            let dtype = TensorDType(rawValue: dtypeName)
            if let dtype {
                let (elements, overflow) = dims.reduce((1, false)) { acc, d in
                    let m = acc.0.multipliedReportingOverflow(by: d)
                    return (m.partialValue, acc.1 || m.overflow)
                }
                let bytes = elements.multipliedReportingOverflow(by: dtype.byteSize)
                guard !overflow, !bytes.overflow, bytes.partialValue == e - b else {
                    throw ModelFormatError(path, "tensor '\(name)' \(dtypeName) \(dims) does not match its \(e - b) bytes")
                }
            }
            entries[name] = Entry(name: name, dtypeName: dtypeName, dtype: dtype, shape: dims, begin: b, end: e)
        }
        self.entries = entries
        self.metadata = metadata
    }

    /// Every tensor, sorted by name.
    public var allEntries: [Entry] { entries.values.sorted { $0.name < $1.name } }

    public var tensorNames: [String] { entries.values.filter { $0.dtype?.isFloat == true }.map(\.name).sorted() }

    public func shape(of name: String) -> [Int]? { entries[name]?.shape }

    public func dtypeName(of name: String) -> String? { entries[name]?.dtypeName }

    public func load(_ name: String) throws -> WeightTensor {
        guard let e = entries[name] else { throw ModelFormatError(url.path, "no tensor '\(name)'") }
        guard let dtype = e.dtype, dtype.isFloat else {
            throw ModelFormatError(url.path, "tensor '\(name)' is \(e.dtypeName), which cannot be used as a float weight")
        }
        let count = e.elementCount
        let bytes = try file.bytes(at: dataStart + e.begin, length: e.end - e.begin)
        var values = [Float](repeating: 0, count: count)
        if count > 0 {
            try values.withUnsafeMutableBufferPointer { dst in
                try convertToFloat(bytes.baseAddress!, dtype: dtype, count: count, into: dst.baseAddress!)
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
                throw ModelFormatError(url.path, "tensor '\(name)': \(t.values.count) values for shape \(t.shape)")
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
