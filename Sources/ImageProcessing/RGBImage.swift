/// An 8-bit RGB image: `pixels` holds `width * height * 3` bytes, rows top to bottom, channels interleaved
/// (R, G, B). This is what PIL's `Image.convert('RGB')` holds, and the input of every processing step.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// Read-only outside this module so that the byte count always matches width and height.
    public internal(set) var pixels: [UInt8]

    /// Wraps existing bytes; `pixels.count` must be `width * height * 3` (a programming error otherwise: it
    /// stops the process even in -Ounchecked builds, rather than letting the resampler read out of bounds).
    public init(width: Int, height: Int, pixels: [UInt8]) {
        if width < 0 || height < 0 || pixels.count != width * height * 3 {
            fatalError("RGBImage(\(width)x\(height)) needs \(width * height * 3) bytes, got \(pixels.count)")
        }
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A black image.
    public init(width: Int, height: Int) {
        self.init(width: width, height: height, pixels: [UInt8](repeating: 0, count: width * height * 3))
    }

    /// The (r, g, b) at column `x`, row `y` (which must be inside the image).
    public subscript(x: Int, y: Int) -> (r: UInt8, g: UInt8, b: UInt8) {
        let i = (y * width + x) * 3
        return (pixels[i], pixels[i + 1], pixels[i + 2])
    }
}
