import Foundation

/// A small JPEG preview of an encoded image.
public struct Thumbnail: Sendable, Equatable {
    /// The JPEG bytes.
    public let jpeg: [UInt8]
    public let width: Int
    public let height: Int
    /// The size of the decoded source image.
    public let sourceWidth: Int
    public let sourceHeight: Int
}

/// Encoded image (any format `ImageDecoder` reads) → JPEG whose longest side is at most `maxSide`, with the
/// aspect ratio kept. Decoding follows the path CLIP uses (no EXIF rotation, alpha dropped), at a reduced
/// scale for big JPEGs.
public struct Thumbnailer: Sendable {
    public var maxSide: Int
    public var quality: Int
    public var decoder: ImageDecoder

    public init(maxSide: Int = 256, quality: Int = 80, decoder: ImageDecoder = ImageDecoder()) {
        self.maxSide = max(1, maxSide)
        self.quality = quality
        self.decoder = decoder
    }

    /// The size a `width` x `height` image is shrunk to: the longest side becomes `maxSide` (never enlarged),
    /// the other is scaled by the same factor and rounded, at least 1 pixel.
    public static func fittedSize(width: Int, height: Int, maxSide: Int) -> (width: Int, height: Int) {
        let longest = max(width, height)
        guard longest > maxSide, width > 0, height > 0 else { return (max(width, 1), max(height, 1)) }
        let scale = Double(maxSide) / Double(longest)
        func side(_ s: Int) -> Int { s == longest ? maxSide : max(1, min(maxSide, Int((Double(s) * scale).rounded()))) }
        return (side(width), side(height))
    }

    /// Throws `ImageDecodingError` for bytes that are not a readable image, `ImageEncodingError` if encoding fails.
    /// A big JPEG is decoded at a reduced scale that still leaves twice the thumbnail's size to resample
    /// from (a 4000-pixel photo at 1/8), which is most of the time a thumbnail of a photo takes.
    public func thumbnail(of data: Data) throws -> Thumbnail {
        let (image, sourceWidth, sourceHeight) = try decoder.decodePreview(data, minSide: 2 * maxSide)
        let size = Self.fittedSize(width: sourceWidth, height: sourceHeight, maxSide: maxSide)
        // Bicubic with Pillow's support scaled by the reduction (what PIL's resize does): a true low-pass, so
        // fine detail does not alias into moiré the way point sampling would.
        let small = size.width == image.width && size.height == image.height
            ? image : ImageResizer.resize(image, width: size.width, height: size.height, filter: .bicubic)
        return Thumbnail(jpeg: try JPEGEncoder.encode(small, quality: quality), width: small.width, height: small.height,
                         sourceWidth: sourceWidth, sourceHeight: sourceHeight)
    }
}
