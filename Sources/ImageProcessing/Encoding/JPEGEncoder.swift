import CImageCodecs

/// Why an image could not be encoded.
public struct ImageEncodingError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
}

/// Baseline JPEG (4:2:0, optimised Huffman tables) through libjpeg-turbo, from 8-bit RGB.
public enum JPEGEncoder {
    /// The JPEG bytes of `image` at `quality` (1...100; libjpeg's scale, 75 is its default).
    public static func encode(_ image: RGBImage, quality: Int = 80) throws -> [UInt8] {
        guard image.width > 0, image.height > 0 else {
            throw ImageEncodingError(description: "cannot encode an empty \(image.width)x\(image.height) image as JPEG")
        }
        var result = iris_img_result()
        var data: UnsafeMutablePointer<UInt8>?
        var size = 0
        let status = image.pixels.withUnsafeBufferPointer { pixels in
            iris_img_encode_jpeg(pixels.baseAddress, pixels.count, UInt32(clamping: image.width),
                                 UInt32(clamping: image.height), Int32(clamping: quality), &data, &size, &result)
        }
        defer { iris_img_free(data) }
        guard status == IRIS_IMG_OK, let data else {
            let message = withUnsafeBytes(of: &result.message) { raw -> String in
                let chars = raw.bindMemory(to: UInt8.self)
                return String(decoding: chars[0..<(chars.firstIndex(of: 0) ?? chars.count)], as: UTF8.self)
            }
            throw ImageEncodingError(description: message.isEmpty ? "JPEG encoding failed" : message)
        }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }
}
