import Foundation
import Testing
@testable import GRPCAPI

/// The byte layouts the Python client produces and reads (struct.pack("<f"/"<d"/"<q"), uuid.bytes).
@Suite struct WireFormatsTests {
    @Test func float32VectorsAreLittleEndian() throws {
        // What the client sends for [1.0, 2.0] (spec: 00 00 80 3f 00 00 00 40).
        let bytes = Data([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0x40])
        #expect(try WireFormats.float32s(bytes) == [1.0, 2.0])
        #expect(WireFormats.float32Bytes([1.0, 2.0]) == bytes)
        #expect(throws: GRPCAPIError.self) { try WireFormats.float32s(Data([1, 2, 3])) }
    }

    @Test func float64AndInt64Arrays() throws {
        let values: [Double] = [0.5, -3.25, 1e300]
        #expect(try WireFormats.float64s(WireFormats.float64Bytes(values)) == values)
        // 1 as int64 little-endian.
        #expect(WireFormats.int64Bytes([1]) == Data([1, 0, 0, 0, 0, 0, 0, 0]))
    }

    @Test func uuidBytesAreBigEndian() {
        let id = "00112233-4455-6677-8899-aabbccddeeff"
        let bytes = WireFormats.uuidBytes(id)
        #expect(bytes == Data([0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]))
        #expect(WireFormats.uuidString(bytes!) == id)
        #expect(WireFormats.uuidBytes("not-a-uuid") == nil)
    }

    @Test func uuidBytesAgreeWithFoundation() {
        for _ in 0..<200 {
            let u = UUID()
            let expected = withUnsafeBytes(of: u.uuid) { Data($0) }
            #expect(WireFormats.uuidBytes(u.uuidString) == expected)
            #expect(WireFormats.uuidBytes(u.uuidString.lowercased()) == expected)
        }
        for bad in ["00112233-4455-6677-8899-aabbccddeef", "00112233-4455-6677-8899-aabbccddeeff0",
                    "001122334-455-6677-8899-aabbccddeeff", "00112233-4455-6677-8899-aabbccddeefg",
                    "00112233+4455-6677-8899-aabbccddeeff", "", "00112233-4455-6677-8899-aabbccddeéf"] {
            #expect(WireFormats.uuidBytes(bad) == nil, "\(bad)")
            #expect(UUID(uuidString: bad) == nil, "Foundation agrees on \(bad)")
        }
    }
}
