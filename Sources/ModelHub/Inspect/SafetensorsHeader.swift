import Foundation

/// The header of a `.safetensors` file: an 8-byte little-endian length, then that many bytes of JSON
/// mapping tensor names to `{"dtype", "shape", "data_offsets": [begin, end]}` (plus `__metadata__`).
public struct SafetensorsHeader: Sendable {
    public struct Tensor: Sendable, Equatable {
        public let name: String
        public let dtype: String
        public let shape: [Int]
        public let dataOffsets: (Int, Int)

        public static func == (a: Tensor, b: Tensor) -> Bool {
            a.name == b.name && a.dtype == b.dtype && a.shape == b.shape && a.dataOffsets == b.dataOffsets
        }

        public var elementCount: Int { shape.reduce(1, *) }
    }

    /// Bytes of JSON after the 8-byte length.
    public let headerLength: Int
    public let metadata: [String: String]
    public let tensors: [Tensor]

    static let bytesPerElement: [String: Int] = [
        "F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1,
        "U16": 2, "U32": 4, "U64": 8, "F8_E4M3": 1, "F8_E5M2": 1,
    ]

    /// Reads and checks the header only (never the tensor data): every tensor's byte range must lie inside
    /// the file and match its dtype and shape, so a truncated or corrupt download is caught here.
    public static func read(_ url: URL) throws -> SafetensorsHeader {
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: url) } catch {
            throw InspectError(url.path, "cannot open: \(error.localizedDescription)")
        }
        defer { try? handle.close() }
        let fileSize = Int(fileSizeOrZero(url))
        guard let prefix = try? handle.read(upToCount: 8), prefix.count == 8 else {
            throw InspectError(url.path, "too short to be a safetensors file")
        }
        let length = prefix.withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        guard length > 1, length <= 100_000_000, 8 + length <= fileSize else {
            throw InspectError(url.path, "bad safetensors header length \(length) for a \(fileSize)-byte file")
        }
        guard let json = try? handle.read(upToCount: length), json.count == length,
              let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any] else {
            throw InspectError(url.path, "the safetensors header is not a JSON object")
        }
        let dataSize = fileSize - 8 - length
        var metadata: [String: String] = [:]
        var tensors: [Tensor] = []
        for (name, value) in object {
            if name == "__metadata__" {
                for (k, v) in (value as? [String: Any]) ?? [:] { metadata[k] = v as? String ?? "\(v)" }
                continue
            }
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = (entry["shape"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  let offsets = (entry["data_offsets"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  offsets.count == 2 else {
                throw InspectError(url.path, "tensor '\(name)' has no dtype/shape/data_offsets")
            }
            guard offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= dataSize else {
                throw InspectError(url.path, "tensor '\(name)' points outside the file (offsets \(offsets), data \(dataSize) bytes)")
            }
            if let width = bytesPerElement[dtype], shape.reduce(1, *) * width != offsets[1] - offsets[0] {
                throw InspectError(url.path, "tensor '\(name)' \(dtype) \(shape) does not fit its \(offsets[1] - offsets[0]) bytes")
            }
            tensors.append(Tensor(name: name, dtype: dtype, shape: shape, dataOffsets: (offsets[0], offsets[1])))
        }
        return SafetensorsHeader(headerLength: length, metadata: metadata, tensors: tensors.sorted { $0.name < $1.name })
    }
}

func fileSizeOrZero(_ url: URL) -> Int64 { fileSize(url) ?? 0 }
