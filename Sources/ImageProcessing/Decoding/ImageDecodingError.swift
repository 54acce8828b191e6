import Foundation

/// Why `ImageDecoder` could not produce an image. Every case has a message fit for an API error body.
public enum ImageDecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No bytes at all.
    case emptyData
    /// The bytes are not one of the supported formats (`detected` names a recognised other format, if any).
    case unsupportedFormat(detected: String?)
    /// A supported format, but a variant this decoder cannot read (e.g. BMP with JPEG compression).
    case unsupportedFeature(format: ImageFormat, reason: String)
    /// The bytes claim to be `format` but are invalid or truncated.
    case corruptData(format: ImageFormat, reason: String)
    /// The image has more pixels than the decompression-bomb limit; refused before allocating.
    case tooLarge(format: ImageFormat, width: Int, height: Int, limit: Int)
    /// The pixel buffer could not be allocated.
    case outOfMemory(format: ImageFormat, reason: String)

    public var description: String {
        switch self {
        case .emptyData:
            return "image data is empty"
        case .unsupportedFormat(let detected):
            if let detected { return "unsupported image format: \(detected) (supported: JPEG, PNG, GIF, BMP, WebP)" }
            return "unsupported image format: the data is not JPEG, PNG, GIF, BMP or WebP"
        case .unsupportedFeature(let format, let reason):
            return "unsupported \(format.rawValue) variant: \(reason)"
        case .corruptData(let format, let reason):
            return "corrupt \(format.rawValue) image: \(reason)"
        case .tooLarge(let format, let width, let height, let limit):
            let size = width > 0 && height > 0 ? "\(width)x\(height) = \(width * height) pixels" : "too many pixels"
            return "\(format.rawValue) image too large: \(size) exceeds the limit of \(limit) pixels (possible decompression bomb)"
        case .outOfMemory(let format, let reason):
            return "cannot decode \(format.rawValue) image: \(reason)"
        }
    }
}

extension ImageDecodingError: LocalizedError {
    public var errorDescription: String? { description }
}
