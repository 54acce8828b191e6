import Foundation
import XCTest

/// Locates ../shared/fixtures (beside the repository clone) from this file's path.
enum Fixtures {
    static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)  // <repo>/Tests/ImageProcessingTests/Fixtures.swift
        for _ in 0..<3 { url.deleteLastPathComponent() }  // <repo>
        return url.deletingLastPathComponent().appendingPathComponent("shared/fixtures")
    }()

    static func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }

    static func data(_ relative: String) throws -> Data {
        let url = url(relative)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("fixture missing: \(url.path) (shared/fixtures must sit beside the clone)")
        }
        return try Data(contentsOf: url)
    }

    /// One entry of golden/clip-tiny.json `images[]`.
    struct GoldenImage {
        let name: String
        let file: String
        let sizeWH: [Int]
        let decodedSHA256: String
        let resizedWH: [Int]
        let cropLeftTop: [Int]
        let croppedSHA256: String
        let pixelsFile: String
        let pixelsFirst8: [Float]
    }

    static func goldenImages() throws -> [GoldenImage] {
        let json = try JSONSerialization.jsonObject(with: try data("golden/clip-tiny.json")) as! [String: Any]
        let images = json["images"] as! [[String: Any]]
        return images.map { entry in
            GoldenImage(
                name: entry["name"] as! String,
                file: entry["file"] as! String,
                sizeWH: entry["size_wh"] as! [Int],
                decodedSHA256: entry["decoded_rgb_sha256"] as! String,
                resizedWH: entry["resized_wh"] as! [Int],
                cropLeftTop: entry["crop_left_top"] as! [Int],
                croppedSHA256: entry["cropped_u8_sha256"] as! String,
                pixelsFile: entry["pixels_file"] as! String,
                pixelsFirst8: (entry["pixels_first8"] as! [NSNumber]).map(\.floatValue)
            )
        }
    }

    /// A little-endian float32 file.
    static func floats(_ relative: String) throws -> [Float] {
        let bytes = try data(relative)
        let count = bytes.count / 4
        var floats = [Float](repeating: 0, count: count)
        floats.withUnsafeMutableBytes { out in _ = bytes.copyBytes(to: out.bindMemory(to: UInt8.self), count: count * 4) }
        #if _endian(big)
        floats = floats.map { Float(bitPattern: $0.bitPattern.byteSwapped) }
        #endif
        return floats
    }
}
