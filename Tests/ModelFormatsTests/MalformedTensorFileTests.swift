import Foundation
import XCTest
@testable import ModelFormats

/// Forged length, offset and size fields in checkpoint files must be errors, not overflow traps (and not,
/// as they were under -Ounchecked, reads outside the file). Found reviewing the fuzz harnesses' targets.
final class MalformedTensorFileTests: XCTestCase {
    func testPickleLengthNearIntMaxIsTruncatedNotOverflow() {
        // BINUNICODE8 with a length of Int.max: `pos + n` used to overflow.
        var unpickler = RestrictedUnpickler([0x80, 0x02, 0x8D] + [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F], label: "t")
        XCTAssertThrowsError(try unpickler.run())
    }

    func testDeeplyNestedPickleIsAnErrorNotAStackOverflow() {
        // An integer wrapped a million levels deep, in tuples (TUPLE1) and in lists (MARKs, then LISTs):
        // releasing such a value used to recurse once per level and overflow the stack.
        let levels = 1_000_000
        let tuples: [UInt8] = [0x80, 0x02, 0x4B, 0x07] + [UInt8](repeating: 0x85, count: levels) + [0x2E]
        let lists: [UInt8] = [0x80, 0x02] + [UInt8](repeating: 0x28, count: levels) + [0x4B, 0x07]
            + [UInt8](repeating: 0x6C, count: levels) + [0x2E]
        for bytes in [tuples, lists] {
            var unpickler = RestrictedUnpickler(bytes, label: "t")
            XCTAssertThrowsError(try unpickler.run()) { error in
                XCTAssertTrue("\(error)".contains("nests deeper than \(RestrictedUnpickler.maxDepth) levels"), "\(error)")
            }
        }
        // The few levels a state dict uses still load.
        var shallow = RestrictedUnpickler([0x80, 0x02, 0x4B, 0x07, 0x85, 0x85, 0x85, 0x2E], label: "t")
        XCTAssertNoThrow(try shallow.run())
    }

    func testZip64DirectoryOffsetNearIntMaxIsRejected() throws {
        // A zip64 locator pointing at Int.max - 15, then an end record asking for it: `z64 + 56` overflowed.
        var bytes: [UInt8] = []
        bytes += le32(0x0706_4B50) + le32(0) + le64(UInt64(Int.max - 15)) + le32(1)
        bytes += le32(0x0605_4B50) + [0, 0, 0, 0] + le16(0xFFFF) + le16(0xFFFF) + le32(0) + le32(0xFFFF_FFFF) + le16(0)
        let file = try MappedFile(write(bytes, "pytorch_model.bin"))
        XCTAssertThrowsError(try StoredZip(file: file))
    }

    func testTensorSizesThatOverflowAreErrors() throws {
        // numel * 4 overflows; then a shape whose element count overflows; then a view whose last element does.
        for (numel, shape, stride) in [(Int.max / 2, [2], [1]), (16, [1 << 40, 1 << 40], [1, 1]), (16, [3, 2], [1 << 62, 1])] {
            let checkpoint = try TorchCheckpoint(url: write(zip(["archive/data.pkl": pickle(numel: numel, shape: shape, stride: stride),
                                                                 "archive/data/0": [UInt8](repeating: 0, count: 64)]),
                                                            "pytorch_model.bin"))
            XCTAssertThrowsError(try checkpoint.load("w"), "numel \(numel) shape \(shape) stride \(stride)")
        }
    }

    func testNegativeSizesAreErrors() throws {
        let checkpoint = try TorchCheckpoint(url: write(zip(["archive/data.pkl": pickle(numel: 16, shape: [-2, -3], stride: [1, 1]),
                                                             "archive/data/0": [UInt8](repeating: 0, count: 64)]),
                                                        "pytorch_model.bin"))
        XCTAssertThrowsError(try checkpoint.load("w"))
    }

    // MARK: Writers for hand-made files

    /// {"w": _rebuild_tensor_v2(storage("0", FloatStorage, numel), 0, shape, stride)} in pickle protocol 2.
    private func pickle(numel: Int, shape: [Int], stride: [Int]) -> [UInt8] {
        func text(_ s: String) -> [UInt8] { [0x58] + le32(UInt32(s.utf8.count)) + Array(s.utf8) }
        func int(_ v: Int) -> [UInt8] { [0x8A, 8] + le64(UInt64(bitPattern: Int64(v))) }
        func tuple(_ items: [Int]) -> [UInt8] { [0x28] + items.flatMap(int) + [0x74] }
        var p: [UInt8] = [0x80, 0x02] + Array("ccollections\nOrderedDict\n".utf8) + [0x29, 0x52]
        p += text("w") + Array("ctorch._utils\n_rebuild_tensor_v2\n".utf8) + [0x28]
        p += [0x28] + text("storage") + Array("ctorch\nFloatStorage\n".utf8) + text("0") + text("cpu") + int(numel) + [0x74, 0x51]
        p += int(0) + tuple(shape) + tuple(stride) + [0x74, 0x52, 0x73, 0x2E]
        return p
    }

    /// A stored (uncompressed) zip of the given entries.
    private func zip(_ entries: [String: [UInt8]]) -> [UInt8] {
        var out: [UInt8] = [], central: [UInt8] = []
        for (name, data) in entries.sorted(by: { $0.key < $1.key }) {
            let offset = UInt32(out.count), n = Array(name.utf8)
            out += le32(0x0403_4B50) + le16(20) + le16(0) + le16(0) + le32(0) + le32(0)
                + le32(UInt32(data.count)) + le32(UInt32(data.count)) + le16(UInt16(n.count)) + le16(0) + n + data
            central += le32(0x0201_4B50) + le16(20) + le16(20) + le16(0) + le16(0) + le32(0) + le32(0)
                + le32(UInt32(data.count)) + le32(UInt32(data.count)) + le16(UInt16(n.count)) + le16(0) + le16(0)
                + le16(0) + le16(0) + le32(0) + le32(offset) + n
        }
        let cdOffset = UInt32(out.count)
        out += central
        out += le32(0x0605_4B50) + le16(0) + le16(0) + le16(UInt16(entries.count)) + le16(UInt16(entries.count))
            + le32(UInt32(central.count)) + le32(cdOffset) + le16(0)
        return out
    }

    private func le16(_ v: UInt16) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
    private func le32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
    private func le64(_ v: UInt64) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }

    private func write(_ bytes: [UInt8], _ name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("iris-malformed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }
}
