import CImageCodecs
import Foundation

/// Decodes JPEG, PNG, GIF (first frame), BMP and WebP bytes into 8-bit RGB, byte-identical to what
/// `PIL.Image.open(f).convert('RGB')` gives: no EXIF rotation, no colour management, alpha dropped rather
/// than composited. Verified against Pillow 10.0 (the reference container's era) and 13.0, which agree
/// except for palette indices past the end of a palette (gray in Pillow 10, kept here; black in 13).
/// The format is sniffed from the magic bytes, never taken from a file name.
///
/// Decoding is thread-safe; a decoder value can be shared.
public struct ImageDecoder: Sendable {
    /// PIL's hard limit: `Image.MAX_IMAGE_PIXELS * 2` (beyond it PIL raises DecompressionBombError).
    public static let defaultMaxPixels = 2 * 89_478_485

    /// Images with more pixels than this are refused before any pixel buffer is allocated.
    public var maxPixels: Int

    public init(maxPixels: Int = ImageDecoder.defaultMaxPixels) {
        self.maxPixels = max(0, maxPixels)
    }

    /// Decodes `data` with the default pixel limit.
    public static func decode(_ data: Data) throws -> RGBImage {
        try ImageDecoder().decode(data)
    }

    /// Decodes `data`; throws `ImageDecodingError` for empty, unknown, corrupt, truncated or too large input.
    public func decode(_ data: Data) throws -> RGBImage {
        try data.withUnsafeBytes { try decode(bytes: $0) }
    }

    /// Decodes raw encoded bytes (see `decode(_:)`).
    public func decode(bytes: UnsafeRawBufferPointer) throws -> RGBImage {
        guard bytes.count > 0, let base = bytes.baseAddress else { throw ImageDecodingError.emptyData }
        guard let format = ImageFormat.sniff(bytes) else {
            throw ImageDecodingError.unsupportedFormat(detected: ImageFormat.describeUnsupported(bytes))
        }
        switch format {
        case .bmp:
            return try BMPDecoder.decode(bytes, maxPixels: maxPixels)
        case .jpeg:
            return try runCodec(format, base, bytes.count, iris_img_decode_jpeg)
        case .png:
            return try runCodec(format, base, bytes.count, iris_img_decode_png)
        case .gif:
            return try runCodec(format, base, bytes.count, iris_img_decode_gif)
        case .webp:
            return try runCodec(format, base, bytes.count, iris_img_decode_webp)
        }
    }

    /// A preview decode for thumbnails: a JPEG is decoded at 1/2, 1/4 or 1/8 scale (libjpeg's DCT scaling,
    /// the most that keeps its longest side at least `minSide`), other formats at full size. Not the
    /// PIL-exact pixels `decode` gives; with the source's full size.
    public func decodePreview(_ data: Data, minSide: Int) throws -> (image: RGBImage, sourceWidth: Int, sourceHeight: Int) {
        guard ImageFormat.sniff(data) == .jpeg else {
            let image = try decode(data)
            return (image, image.width, image.height)
        }
        return try data.withUnsafeBytes { bytes in
            let base = bytes.baseAddress!
            var probe = iris_img_result()
            try check(iris_img_decode_jpeg(base.assumingMemoryBound(to: UInt8.self), bytes.count, UInt64(maxPixels), nil, 0, &probe),
                      &probe, .jpeg)
            let side = UInt32(clamping: max(1, minSide))
            let image = try runCodec(.jpeg, base, bytes.count) { iris_img_decode_jpeg_reduced($0, $1, $2, side, $3, $4, $5) }
            return (image, Int(probe.width), Int(probe.height))
        }
    }

    /// The format of `data` if it is one this decoder reads (magic bytes only; nothing is decoded).
    public static func format(of data: Data) -> ImageFormat? { ImageFormat.sniff(data) }

    private typealias Codec = (UnsafePointer<UInt8>?, Int, UInt64, UnsafeMutablePointer<UInt8>?, Int,
                               UnsafeMutablePointer<iris_img_result>?) -> iris_img_status

    /// Probe (header only: size and pixel limit), then decode straight into the array's storage.
    private func runCodec(_ format: ImageFormat, _ base: UnsafeRawPointer, _ count: Int, _ codec: Codec) throws -> RGBImage {
        let input = base.assumingMemoryBound(to: UInt8.self)
        var result = iris_img_result()
        try check(codec(input, count, UInt64(maxPixels), nil, 0, &result), &result, format)
        let width = Int(result.width), height = Int(result.height)
        guard width > 0, height > 0 else { throw ImageDecodingError.corruptData(format: format, reason: "empty image") }
        let byteCount = width * height * 3
        var status = IRIS_IMG_OK
        let pixels = [UInt8](unsafeUninitializedCapacity: byteCount) { buffer, initialized in
            status = codec(input, count, UInt64(maxPixels), buffer.baseAddress, byteCount, &result)
            initialized = status == IRIS_IMG_OK ? byteCount : 0
        }
        try check(status, &result, format)
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    private func check(_ status: iris_img_status, _ result: inout iris_img_result, _ format: ImageFormat) throws {
        if status == IRIS_IMG_OK { return }
        let message = withUnsafeBytes(of: &result.message) { raw -> String in
            let chars = raw.bindMemory(to: UInt8.self)
            let end = chars.firstIndex(of: 0) ?? chars.count
            return String(decoding: chars[0..<end], as: UTF8.self)
        }
        switch status {
        case IRIS_IMG_TOO_LARGE:
            throw ImageDecodingError.tooLarge(format: format, width: Int(result.width), height: Int(result.height),
                                              limit: maxPixels)
        case IRIS_IMG_UNSUPPORTED:
            throw ImageDecodingError.unsupportedFeature(format: format, reason: message)
        case IRIS_IMG_NO_MEMORY:
            throw ImageDecodingError.outOfMemory(format: format, reason: message)
        default:
            throw ImageDecodingError.corruptData(format: format, reason: strip(message, format))
        }
    }

    /// The C layer prefixes "corrupt <FORMAT> data: "; the Swift description already says it.
    private func strip(_ message: String, _ format: ImageFormat) -> String {
        for prefix in ["corrupt JPEG data: ", "corrupt PNG data: ", "corrupt GIF data: ", "corrupt WebP data "] {
            if message.hasPrefix(prefix) { return String(message.dropFirst(prefix.count)) }
        }
        return message.isEmpty ? "undecodable data" : message
    }
}
