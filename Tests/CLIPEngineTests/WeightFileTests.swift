import Foundation
import XCTest
@testable import CLIPEngine
import ModelFormats

/// safetensors / PyTorch zip readers: dtypes, the restricted unpickler, and clear errors on bad files.
final class WeightFileTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("clip-weights-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// A safetensors file with raw 16-bit payloads, written by hand.
    func writeRaw16(_ name: String, dtype: String, bits: [UInt16]) throws -> URL {
        let header = "{\"w\":{\"dtype\":\"\(dtype)\",\"shape\":[\(bits.count)],\"data_offsets\":[0,\(bits.count * 2)]}}"
        var data = Data()
        var len = UInt64(header.utf8.count).littleEndian
        withUnsafeBytes(of: &len) { data.append(contentsOf: $0) }
        data.append(header.data(using: .utf8)!)
        for b in bits { var le = b.littleEndian; withUnsafeBytes(of: &le) { data.append(contentsOf: $0) } }
        let url = dir.appendingPathComponent(name)
        try data.write(to: url)
        return url
    }

    func testHalfAndBFloat16Conversion() throws {
        // f16: 1.0, -2.0, 65504 (max), 2^-24 (smallest subnormal), +inf, 0.333 → 0x3555
        let f16 = try SafeTensorsFile(url: try writeRaw16("h.safetensors", dtype: "F16", bits: [0x3C00, 0xC000, 0x7BFF, 0x0001, 0x7C00, 0x3555]))
        let h = try f16.load("w").values
        XCTAssertEqual(Array(h[0..<4]), [1, -2, 65504, Float(pow(2.0, -24.0))])
        XCTAssertEqual(h[4], .infinity)
        XCTAssertEqual(h[5], 0.333251953125)
        // bf16: upper half of the float bits.
        let bf = try SafeTensorsFile(url: try writeRaw16("b.safetensors", dtype: "BF16", bits: [0x3F80, 0xC040, 0x3EAB]))
        XCTAssertEqual(try bf.load("w").values, [1, -3, Float(bitPattern: 0x3EAB_0000)])
    }

    func testSafetensorsRoundTripAndErrors() throws {
        let url = dir.appendingPathComponent("m.safetensors")
        try SafeTensorsWriter.write([("a.weight", WeightTensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]))], to: url)
        let f = try SafeTensorsFile(url: url)
        XCTAssertEqual(f.tensorNames, ["a.weight"])
        XCTAssertEqual(try f.load("a.weight").values, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(WeightStore(f).resolve("weight"), "a.weight") // unique suffix match

        // Truncated data: the declared offsets no longer fit.
        let bad = dir.appendingPathComponent("bad.safetensors")
        try Data(try Data(contentsOf: url).dropLast(4)).write(to: bad)
        XCTAssertThrowsError(try SafeTensorsFile(url: bad)) { XCTAssertTrue("\($0)".contains("do not match"), "\($0)") }
        // Garbage.
        let junk = dir.appendingPathComponent("junk.safetensors")
        try Data([0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 1, 2, 3]).write(to: junk)
        XCTAssertThrowsError(try SafeTensorsFile(url: junk)) { XCTAssertTrue("\($0)".contains("header length"), "\($0)") }
    }

    func testFixtureCheckpointSkipsInt64Buffers() throws {
        let ckpt = try TorchCheckpoint(url: Fixtures.url("models/clip-tiny-bin/0_CLIPModel/pytorch_model.bin"))
        XCTAssertEqual(ckpt.tensorNames.count, 78)
        XCTAssertNotNil(ckpt.tensors["text_model.embeddings.position_ids"]) // present in the file ...
        XCTAssertFalse(ckpt.tensorNames.contains("text_model.embeddings.position_ids")) // ... but not a weight
        let st = try SafeTensorsFile(url: Fixtures.url("models/clip-tiny/0_CLIPModel/model.safetensors"))
        for name in ["vision_model.embeddings.patch_embedding.weight", "logit_scale", "text_projection.weight"] {
            let a = try ckpt.load(name), b = try st.load(name)
            XCTAssertEqual(a.shape, b.shape)
            XCTAssertEqual(a.values, b.values)
        }
    }

    /// A zip holding `pickle` as archive/data.pkl (stored), the way torch.save lays it out.
    func writeZip(_ pickle: [UInt8]) throws -> URL {
        let name = Array("archive/data.pkl".utf8)
        var crc: UInt32 = 0xFFFF_FFFF
        for b in pickle { crc ^= UInt32(b); for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) } }
        crc = ~crc
        var out: [UInt8] = []
        func u16(_ v: Int) { out += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func u32(_ v: UInt32) { out += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)] }
        u32(0x0403_4B50); u16(20); u16(0); u16(0); u16(0); u16(0); u32(crc); u32(UInt32(pickle.count)); u32(UInt32(pickle.count))
        u16(name.count); u16(0); out += name; out += pickle
        let cd = out.count
        u32(0x0201_4B50); u16(20); u16(20); u16(0); u16(0); u16(0); u16(0); u32(crc); u32(UInt32(pickle.count)); u32(UInt32(pickle.count))
        u16(name.count); u16(0); u16(0); u16(0); u16(0); u32(0); u32(0); out += name
        let cdSize = out.count - cd
        u32(0x0605_4B50); u16(0); u16(0); u16(1); u16(1); u32(UInt32(cdSize)); u32(UInt32(cd)); u16(0)
        let url = dir.appendingPathComponent("p\(UUID().uuidString).bin")
        try Data(out).write(to: url)
        return url
    }

    func testUnpicklerRefusesArbitraryGlobals() throws {
        // pickle.dumps of os.system('true') at protocol 2: GLOBAL 'posix system', args, REDUCE.
        let evil: [UInt8] = [0x80, 0x02] + Array("cposix\nsystem\n".utf8) + [0x58, 4, 0, 0, 0] + Array("true".utf8) + [0x85, 0x52, 0x2E]
        XCTAssertThrowsError(try TorchCheckpoint(url: try writeZip(evil))) { err in
            XCTAssertTrue("\(err)".contains("refusing to load global posix.system"), "\(err)")
        }
        // A list at the top level is not a state dict.
        XCTAssertThrowsError(try TorchCheckpoint(url: try writeZip([0x80, 0x02, 0x5D, 0x2E]))) { err in
            XCTAssertTrue("\(err)".contains("not a state dict"), "\(err)")
        }
        // Unknown opcode.
        XCTAssertThrowsError(try TorchCheckpoint(url: try writeZip([0x80, 0x02, 0x69, 0x2E]))) { err in
            XCTAssertTrue("\(err)".contains("unsupported pickle opcode"), "\(err)")
        }
        // Not a zip at all.
        let notZip = dir.appendingPathComponent("x.bin")
        try Data(repeating: 7, count: 100).write(to: notZip)
        XCTAssertThrowsError(try TorchCheckpoint(url: notZip))
    }

    func testMissingFolderAndMissingTensorErrors() throws {
        XCTAssertThrowsError(try EmbeddingModel(folder: dir.appendingPathComponent("nope"))) {
            XCTAssertTrue("\($0)".contains("does not exist"), "\($0)")
        }
        // A CLIP config without weights.
        try FileManager.default.copyItem(at: Fixtures.url("models/clip-tiny/0_CLIPModel/config.json"), to: dir.appendingPathComponent("config.json"))
        XCTAssertThrowsError(try EmbeddingModel(folder: dir)) {
            XCTAssertTrue("\($0)".contains("no model.safetensors or pytorch_model.bin"), "\($0)")
        }
        // Weights of the wrong shape for the config.
        try SafeTensorsWriter.write([("text_model.embeddings.token_embedding.weight", WeightTensor(shape: [2, 2], values: [0, 0, 0, 0]))],
                                    to: dir.appendingPathComponent("model.safetensors"))
        XCTAssertThrowsError(try EmbeddingModel(folder: dir)) {
            XCTAssertTrue("\($0)".contains("has shape [2, 2], expected [49408, 48]"), "\($0)")
        }
    }
}
