import Foundation

/// CLIP image preprocessing exactly as transformers' CLIPImageProcessor does it on an RGB image:
/// 1. resize with PIL's resampling on the 8-bit image (shortest edge, or an exact size);
/// 2. centre crop at top = (h - ch) // 2, left = (w - cw) // 2, zero-padding when the image is smaller;
/// 3. `x * rescale_factor` (float64, stored as float32), then `(x - mean) / std` in float32;
/// giving Float32 values laid out [3, H, W] (channel-major, rows top to bottom).
///
/// Steps 1-2 only compute the pixels that survive the crop. Step 3 is a per-channel lookup table (the value
/// depends only on the byte), so a call does no per-pixel arithmetic beyond the resampling.
public struct CLIPImagePreprocessor: Sendable {
    public let config: CLIPPreprocessorConfig
    /// table[c * 256 + v] = the output value of byte v in channel c.
    private let table: [Float]

    /// From a preprocessor_config.json file.
    public init(configFile: URL) throws {
        self.init(validated: try CLIPPreprocessorConfig(contentsOf: configFile))
    }

    /// transformers' CLIPImageProcessor defaults: shortest edge 224, bicubic, centre crop 224, OpenAI mean/std.
    public init() {
        self.init(validated: CLIPPreprocessorConfig())
    }

    /// From config values set in code. Unusable values (see `CLIPPreprocessorConfig.validate()`, which callers
    /// can run first) are a programming error and stop the process; configs read from files are validated
    /// while parsing, so `init(configFile:)` throws instead.
    public init(config: CLIPPreprocessorConfig) {
        do {
            try config.validate()
        } catch {
            fatalError("CLIPImagePreprocessor: \(error)")
        }
        self.init(validated: config)
    }

    private init(validated config: CLIPPreprocessorConfig) {
        self.config = config
        var table = [Float](repeating: 0, count: 3 * 256)
        for c in 0..<3 {
            let mean = Float(config.imageMean[c]), std = Float(config.imageStd[c])
            for v in 0..<256 {
                var x = Float(v)
                if config.doRescale { x = Float(Double(v) * config.rescaleFactor) }
                if config.doNormalize { x = (x - mean) / std }
                table[c * 256 + v] = x
            }
        }
        self.table = table
    }

    /// The common CLIP setting: shortest edge `shortestEdge`, centre crop `cropSize` squared, OpenAI mean/std
    /// (values as for `init(config:)`).
    public init(shortestEdge: Int, cropSize: Int, resample: ResampleFilter = .bicubic,
                rescaleFactor: Double = 1.0 / 255.0,
                mean: [Double] = CLIPPreprocessorConfig.openAICLIPMean,
                std: [Double] = CLIPPreprocessorConfig.openAICLIPStd) {
        var config = CLIPPreprocessorConfig()
        config.size = .shortestEdge(shortestEdge)
        config.cropWidth = cropSize
        config.cropHeight = cropSize
        config.resample = resample
        config.rescaleFactor = rescaleFactor
        config.imageMean = mean
        config.imageStd = std
        self.init(config: config)
    }

    /// The size after step 1 (transformers' get_resize_output_image_size with default_to_square=False).
    public func resizedSize(width: Int, height: Int) -> (width: Int, height: Int) {
        guard config.doResize else { return (width, height) }
        switch config.size {
        case .exact(let w, let h):
            return (w, h)
        case .shortestEdge(let edge):
            let short = min(width, height), long = max(width, height)
            guard short > 0 else { return (width, height) }
            // Python: int(edge * long / short), a correctly rounded float division then truncation.
            let other = Int((Double(edge * long) / Double(short)).rounded(.towardZero))
            return width <= height ? (edge, other) : (other, edge)
        }
    }

    /// The output height and width for an input of this size.
    public func outputSize(width: Int, height: Int) -> (width: Int, height: Int) {
        config.doCenterCrop ? (config.cropWidth, config.cropHeight) : resizedSize(width: width, height: height)
    }

    /// Steps 1-2: the resized and cropped 8-bit image (what PIL + numpy would hold before rescaling).
    public func resizedAndCropped(_ image: RGBImage) -> RGBImage {
        guard image.width > 0, image.height > 0 else {  // nothing to resize: all padding (or empty)
            return config.doCenterCrop ? RGBImage(width: config.cropWidth, height: config.cropHeight) : image
        }
        let resized = resizedSize(width: image.width, height: image.height)
        guard config.doCenterCrop else {
            return ImageResizer.resize(image, width: resized.width, height: resized.height, filter: config.resample)
        }
        let cw = config.cropWidth, ch = config.cropHeight
        // transformers' center_crop; Python's // floors, so compute with floor division.
        let top = floorDiv(resized.height - ch, 2), left = floorDiv(resized.width - cw, 2)
        if top >= 0, left >= 0, top + ch <= resized.height, left + cw <= resized.width {
            return ImageResizer.resize(image, width: resized.width, height: resized.height, filter: config.resample,
                                       window: PixelRect(x: left, y: top, width: cw, height: ch))
        }
        // Smaller than the crop: pad with zeros to max(size, crop) centred (ceil), then take the crop window.
        let full = ImageResizer.resize(image, width: resized.width, height: resized.height, filter: config.resample)
        let paddedH = max(ch, resized.height), paddedW = max(cw, resized.width)
        let topPad = (paddedH - resized.height + 1) / 2, leftPad = (paddedW - resized.width + 1) / 2
        let y0 = max(0, top + topPad), y1 = min(paddedH, top + topPad + ch)
        let x0 = max(0, left + leftPad), x1 = min(paddedW, left + leftPad + cw)
        var out = RGBImage(width: x1 - x0, height: y1 - y0)
        for y in y0..<y1 {
            let sy = y - topPad
            guard sy >= 0, sy < full.height else { continue }
            for x in x0..<x1 {
                let sx = x - leftPad
                guard sx >= 0, sx < full.width else { continue }
                let s = (sy * full.width + sx) * 3, d = ((y - y0) * out.width + (x - x0)) * 3
                out.pixels[d] = full.pixels[s]
                out.pixels[d + 1] = full.pixels[s + 1]
                out.pixels[d + 2] = full.pixels[s + 2]
            }
        }
        return out
    }

    /// The model input for one image: Float32 [3, H, W], channel-major.
    public func pixelValues(_ image: RGBImage) -> [Float] {
        pixelValues(fromResizedAndCropped: resizedAndCropped(image))
    }

    /// Step 3 alone: rescale and normalise an image that is already resized and cropped (see `resizedAndCropped`).
    public func pixelValues(fromResizedAndCropped cropped: RGBImage) -> [Float] {
        let count = cropped.width * cropped.height * 3
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            write(cropped, into: buffer)
            initialized = count
        }
    }

    /// Writes the [3, H, W] tensor of `image` into `buffer` (e.g. one slot of a batch); returns the (width, height)
    /// written. `buffer` must hold `3 * H * W` floats (see `outputSize`).
    @discardableResult
    public func pixelValues(_ image: RGBImage, into buffer: UnsafeMutableBufferPointer<Float>) -> (width: Int, height: Int) {
        let cropped = resizedAndCropped(image)
        write(cropped, into: buffer)
        return (cropped.width, cropped.height)
    }

    /// A batch as one contiguous Float32 [N, 3, H, W] buffer. Needs `do_center_crop` (or `size` as an exact
    /// height/width) so that every image has the same output size; returns nil otherwise.
    public func batchPixelValues(_ images: [RGBImage]) -> [Float]? {
        let sizes = images.map { outputSize(width: $0.width, height: $0.height) }
        guard let size = sizes.first else { return [] }
        guard sizes.allSatisfy({ $0 == size }) else { return nil }
        let perImage = 3 * size.width * size.height
        return [Float](unsafeUninitializedCapacity: perImage * images.count) { buffer, initialized in
            for (i, image) in images.enumerated() {
                let slot = UnsafeMutableBufferPointer(rebasing: buffer[(i * perImage)..<((i + 1) * perImage)])
                pixelValues(image, into: slot)
            }
            initialized = perImage * images.count
        }
    }

    /// Decodes and preprocesses encoded image bytes.
    public func pixelValues(encoded data: Data, decoder: ImageDecoder = ImageDecoder()) throws -> [Float] {
        pixelValues(try decoder.decode(data))
    }

    private func write(_ image: RGBImage, into buffer: UnsafeMutableBufferPointer<Float>) {
        let plane = image.width * image.height
        if buffer.count < plane * 3 {  // a programming error; checked even in -Ounchecked builds
            fatalError("buffer of \(buffer.count) floats is too small for a 3x\(image.height)x\(image.width) tensor")
        }
        image.pixels.withUnsafeBufferPointer { src in
            table.withUnsafeBufferPointer { lut in
                let r = buffer.baseAddress!, g = r + plane, b = g + plane
                let lr = lut.baseAddress!, lg = lr + 256, lb = lg + 256
                let p = src.baseAddress!
                for i in 0..<plane {
                    r[i] = lr[Int(p[3 * i])]
                    g[i] = lg[Int(p[3 * i + 1])]
                    b[i] = lb[Int(p[3 * i + 2])]
                }
            }
        }
    }

    private func floorDiv(_ a: Int, _ b: Int) -> Int {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}
