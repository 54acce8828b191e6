import Foundation

/// A PyTorch checkpoint in the zip format of torch.save (`<prefix>/data.pkl` + `<prefix>/data/<key>`),
/// where <prefix> is the archive's top folder ("archive", or the file's stem in newer writers).
/// The pickle is read by RestrictedUnpickler (it builds data, never runs code); the storages are read
/// from the memory-mapped zip only when a tensor is loaded.
public final class TorchCheckpoint: TensorFile {
    public let url: URL
    private let file: MappedFile
    private let archive: StoredZip
    /// The archive's top folder, e.g. "pytorch_model" or "archive".
    public let prefix: String
    /// The state dict's tensors (integer buffers included), by key.
    public private(set) var tensors: [String: TensorRef] = [:]
    private var order: [String] = []

    public var label: String { url.path }
    /// Every entry of the zip, in directory order.
    public var entryNames: [String] { archive.entryNames }
    /// The `<prefix>/data/<n>` storage blobs (one per tensor unless tensors share storage).
    public var storageCount: Int { Self.storageCount(in: archive) }

    public convenience init(url: URL) throws {
        let file = try MappedFile(url)
        if file.count >= 2, let b = try? file.bytes(at: 0, length: 2), b[0] == 0x80 {
            throw ModelFormatError(url.path, "a legacy (non-zip) PyTorch checkpoint; re-save it with torch.save (zip format) or convert it to safetensors")
        }
        try self.init(file: file, archive: try StoredZip(file: file))
    }

    /// From a zip already opened (as `iris model inspect` does to count storages even when the pickle is refused).
    public init(file: MappedFile, archive: StoredZip) throws {
        url = file.url
        self.file = file
        self.archive = archive
        let path = url.path
        guard let prefix = Self.prefix(in: archive) else {
            throw ModelFormatError(path, "no <prefix>/data.pkl entry; not a PyTorch zip checkpoint")
        }
        self.prefix = prefix
        if let bo = archive.entries[prefix + "/byteorder"], bo.dataOffset >= 0 {
            let s = String(decoding: try file.bytes(at: bo.dataOffset, length: bo.size), as: UTF8.self)
            guard s == "little" else { throw ModelFormatError(path, "byte order \(s) is not supported") }
        }
        guard let entry = archive.entries[prefix + "/data.pkl"], entry.dataOffset >= 0 else {
            throw ModelFormatError(path, "data.pkl is compressed")
        }
        let pickle = Array(try file.bytes(at: entry.dataOffset, length: entry.size))
        var unpickler = RestrictedUnpickler(pickle, label: path)
        let top = try unpickler.run()
        guard case .dict(let items) = top else { throw ModelFormatError(path, "the checkpoint is not a state dict") }
        for (k, v) in items {
            guard let key = k.asString else { throw ModelFormatError(path, "a state-dict key is not a string") }
            guard case .tensor(let t) = v else { continue } // non-tensor entries (e.g. metadata) are ignored
            tensors[key] = t
            order.append(key)
        }
    }

    /// The top folder holding data.pkl, nil when there is none.
    public static func prefix(in archive: StoredZip) -> String? {
        archive.entryNames.filter { $0.hasSuffix("/data.pkl") && $0.split(separator: "/").count == 2 }.sorted().first
            .map { String($0.dropLast("/data.pkl".count)) }
    }

    public static func storageCount(in archive: StoredZip) -> Int {
        guard let prefix = prefix(in: archive) else { return 0 }
        let dataFolder = prefix + "/data/"
        return archive.entryNames.filter { $0.hasPrefix(dataFolder) && Int($0.dropFirst(dataFolder.count)) != nil }.count
    }

    public var tensorNames: [String] { order.filter { tensors[$0]!.dtype.isFloat } }

    public func shape(of name: String) -> [Int]? { tensors[name]?.shape }

    public func dtypeName(of name: String) -> String? { tensors[name]?.dtype.rawValue }

    public func load(_ name: String) throws -> WeightTensor {
        guard let t = tensors[name] else { throw ModelFormatError(url.path, "no tensor '\(name)'") }
        guard t.dtype.isFloat else {
            throw ModelFormatError(url.path, "tensor '\(name)' is \(t.dtype.rawValue), which cannot be used as a float weight")
        }
        let entryName = prefix + "/data/" + t.storageKey
        guard let entry = archive.entries[entryName], entry.dataOffset >= 0 else {
            throw ModelFormatError(url.path, "storage \(entryName) of '\(name)' is missing or compressed")
        }
        let es = t.dtype.byteSize
        // Every number here comes from the pickle: check signs and overflow before any arithmetic, so a
        // forged file is an error rather than a trap (or, unchecked, a read outside the storage).
        let storageBytes = t.storageNumel.multipliedReportingOverflow(by: es)
        guard t.storageNumel >= 0, !storageBytes.overflow, entry.size >= storageBytes.partialValue else {
            throw ModelFormatError(url.path, "storage of '\(name)' is shorter than declared")
        }
        guard t.shape.allSatisfy({ $0 >= 0 }), t.stride.allSatisfy({ $0 >= 0 }), t.offset >= 0 else {
            throw ModelFormatError(url.path, "negative size, stride or offset in '\(name)'")
        }
        var count = 1
        for d in t.shape {
            let (m, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else { throw ModelFormatError(url.path, "tensor '\(name)' is too large") }
            count = m
        }
        var values = [Float](repeating: 0, count: count)
        if count > 0 {
            // The furthest element the view touches must lie inside the storage (count > 0: every d >= 1).
            var last = t.offset
            for (d, s) in zip(t.shape, t.stride) {
                let (step, o1) = (d - 1).multipliedReportingOverflow(by: s)
                let (sum, o2) = last.addingReportingOverflow(step)
                guard !o1, !o2 else { throw ModelFormatError(url.path, "tensor '\(name)' reaches past its storage") }
                last = sum
            }
            guard last < t.storageNumel else {
                throw ModelFormatError(url.path, "tensor '\(name)' reaches past its storage")
            }
            let storage = try file.bytes(at: entry.dataOffset, length: entry.size)
            let contiguous = isContiguous(shape: t.shape, stride: t.stride)
            try values.withUnsafeMutableBufferPointer { dst in
                if contiguous {
                    try convertToFloat(storage.baseAddress! + t.offset * es, dtype: t.dtype, count: count, into: dst.baseAddress!)
                } else {
                    // Gather a strided view element by element (rare: views saved without .contiguous()).
                    var index = [Int](repeating: 0, count: t.shape.count)
                    for i in 0..<count {
                        var off = t.offset
                        for d in 0..<index.count { off += index[d] * t.stride[d] }
                        try convertToFloat(storage.baseAddress! + off * es, dtype: t.dtype, count: 1, into: dst.baseAddress! + i)
                        var d = index.count - 1
                        while d >= 0 { index[d] += 1; if index[d] < t.shape[d] { break }; index[d] = 0; d -= 1 }
                    }
                }
            }
            file.release(offset: entry.dataOffset + t.offset * es, length: count * es)
        }
        return WeightTensor(shape: t.shape, values: values)
    }

    private func isContiguous(shape: [Int], stride: [Int]) -> Bool {
        var expected = 1
        for d in stride.indices.reversed() {
            if shape[d] != 1 && stride[d] != expected { return false }
            expected *= shape[d]
        }
        return true
    }
}
