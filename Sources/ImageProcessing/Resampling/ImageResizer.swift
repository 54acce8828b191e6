/// A rectangle of pixels: origin (x, y) and size.
public struct PixelRect: Sendable, Equatable {
    public var x: Int, y: Int, width: Int, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }
}

/// Resizing with Pillow's `Image.resize` arithmetic on 8-bit RGB, bit for bit: separable convolution,
/// horizontal pass first (only over the source rows the vertical pass needs), each pass accumulating
/// `pixel * weight` in 32-bit integers from a rounding offset of 2^21, then shifting by 22 bits and
/// clamping to 0...255 before the next pass.
public enum ImageResizer {
    /// `image` resized to `width` x `height` (PIL `image.resize((width, height), filter)`).
    public static func resize(_ image: RGBImage, width: Int, height: Int, filter: ResampleFilter = .bicubic) -> RGBImage {
        resize(image, width: width, height: height, filter: filter,
               window: PixelRect(x: 0, y: 0, width: width, height: height))
    }

    /// Only the `window` part of the resized image: the same bytes as resizing fully and then cropping,
    /// without computing the pixels that would be cropped away. `window` must lie inside width x height.
    public static func resize(_ image: RGBImage, width: Int, height: Int, filter: ResampleFilter,
                              window: PixelRect) -> RGBImage {
        precondition(width > 0 && height > 0, "resize target must be at least 1x1")
        precondition(window.x >= 0 && window.y >= 0 && window.width >= 0 && window.height >= 0
                     && window.x + window.width <= width && window.y + window.height <= height,
                     "window outside the resized image")
        guard image.width > 0, image.height > 0, window.width > 0, window.height > 0 else {
            return RGBImage(width: window.width, height: window.height)
        }
        if width == image.width && height == image.height {
            return crop(image, window)  // PIL returns a copy for the same size
        }
        if filter == .nearest {
            return nearest(image, width: width, height: height, window: window)
        }

        let needHorizontal = width != image.width
        let needVertical = height != image.height
        let vertical = needVertical ? ResampleCoefficients.cached(inSize: image.height, outSize: height, filter: filter) : nil

        // Source rows the window needs (PIL runs the horizontal pass over exactly the rows the vertical pass uses).
        let firstRow: Int, endRow: Int
        if let v = vertical {
            firstRow = Int(v.start[window.y])
            let last = window.y + window.height - 1
            endRow = Int(v.start[last]) + Int(v.count[last])
        } else {
            firstRow = window.y
            endRow = window.y + window.height
        }

        // Pass 1: horizontal, into a (endRow - firstRow) x window.width temporary.
        var temp: RGBImage
        if needHorizontal {
            let horizontal = ResampleCoefficients.cached(inSize: image.width, outSize: width, filter: filter)
            temp = RGBImage(width: window.width, height: endRow - firstRow)
            horizontalPass(image, into: &temp, rows: firstRow..<endRow, columns: window.x, horizontal)
        } else {
            temp = crop(image, PixelRect(x: window.x, y: firstRow, width: window.width, height: endRow - firstRow))
        }
        guard let v = vertical else { return temp }

        // Pass 2: vertical, rows relative to firstRow.
        var out = RGBImage(width: window.width, height: window.height)
        verticalPass(temp, into: &out, rowOffset: firstRow, outRows: window.y, v)
        return out
    }

    /// Copies a rectangle (which must lie inside the image).
    public static func crop(_ image: RGBImage, _ rect: PixelRect) -> RGBImage {
        var out = RGBImage(width: rect.width, height: rect.height)
        let rowBytes = rect.width * 3
        image.pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for y in 0..<rect.height {
                    let from = src.baseAddress! + ((rect.y + y) * image.width + rect.x) * 3
                    (dst.baseAddress! + y * rowBytes).update(from: from, count: rowBytes)
                }
            }
        }
        return out
    }

    @inline(__always)
    private static func clip8(_ value: Int32) -> UInt8 {
        let shifted = value >> Int32(ResampleCoefficients.precisionBits)
        return shifted < 0 ? 0 : (shifted > 255 ? 255 : UInt8(truncatingIfNeeded: shifted))
    }

    private static let half = Int32(1 << (ResampleCoefficients.precisionBits - 1))

    /// out[row - rows.lowerBound][x] = sum_t in[row][start[firstColumn + x] + t] * w[t]
    private static func horizontalPass(_ image: RGBImage, into temp: inout RGBImage, rows: Range<Int>,
                                       columns firstColumn: Int, _ c: ResampleCoefficients) {
        let outWidth = temp.width, inWidth = image.width, taps = c.taps
        image.pixels.withUnsafeBufferPointer { srcBuffer in
            temp.pixels.withUnsafeMutableBufferPointer { dstBuffer in
                c.weights.withUnsafeBufferPointer { weights in
                    c.start.withUnsafeBufferPointer { starts in
                        c.count.withUnsafeBufferPointer { counts in
                            let src = srcBuffer.baseAddress!, dst = dstBuffer.baseAddress!
                            for (r, row) in rows.enumerated() {
                                let inRow = src + row * inWidth * 3
                                var out = dst + r * outWidth * 3
                                for x in 0..<outWidth {
                                    let xx = firstColumn + x
                                    var p = inRow + Int(starts[xx]) * 3
                                    var k = weights.baseAddress! + xx * taps
                                    var s0 = half, s1 = half, s2 = half
                                    for _ in 0..<Int(counts[xx]) {
                                        let w = k.pointee
                                        s0 &+= Int32(p[0]) &* w
                                        s1 &+= Int32(p[1]) &* w
                                        s2 &+= Int32(p[2]) &* w
                                        p += 3
                                        k += 1
                                    }
                                    out[0] = clip8(s0)
                                    out[1] = clip8(s1)
                                    out[2] = clip8(s2)
                                    out += 3
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// out[y][x] = sum_t temp[start[outRows + y] - rowOffset + t][x] * w[t], accumulated a whole row at a time.
    private static func verticalPass(_ temp: RGBImage, into out: inout RGBImage, rowOffset: Int, outRows firstOut: Int,
                                     _ c: ResampleCoefficients) {
        let rowBytes = temp.width * 3, taps = c.taps
        var accumulator = [Int32](repeating: 0, count: rowBytes)
        temp.pixels.withUnsafeBufferPointer { srcBuffer in
            out.pixels.withUnsafeMutableBufferPointer { dstBuffer in
                accumulator.withUnsafeMutableBufferPointer { accBuffer in
                    let src = srcBuffer.baseAddress!, dst = dstBuffer.baseAddress!, acc = accBuffer.baseAddress!
                    for y in 0..<out.height {
                        let yy = firstOut + y
                        let first = Int(c.start[yy]) - rowOffset, n = Int(c.count[yy])
                        for i in 0..<rowBytes { acc[i] = half }
                        for t in 0..<n {
                            let w = c.weights[yy * taps + t]
                            let inRow = src + (first + t) * rowBytes
                            for i in 0..<rowBytes { acc[i] &+= Int32(inRow[i]) &* w }
                        }
                        let outRow = dst + y * rowBytes
                        for i in 0..<rowBytes { outRow[i] = clip8(acc[i]) }
                    }
                }
            }
        }
    }

    /// PIL's NEAREST resize (an affine scale): the source coordinate starts at scale / 2 and is advanced by
    /// repeatedly adding the scale in double precision (so it carries the same rounding as PIL), then truncated.
    /// Coordinates that land outside the source stay black.
    private static func nearest(_ image: RGBImage, width: Int, height: Int, window: PixelRect) -> RGBImage {
        func table(_ inSize: Int, _ outSize: Int, upTo end: Int) -> [Int] {
            let step = Double(inSize) / Double(outSize)
            var position = step * 0.5
            var result = [Int](repeating: -1, count: end)
            for i in 0..<end {
                let index = position < 0 ? -1 : Int(position)
                result[i] = index < inSize ? index : -1
                position += step
            }
            return result
        }
        let columns = table(image.width, width, upTo: window.x + window.width)
        let rows = table(image.height, height, upTo: window.y + window.height)
        var out = RGBImage(width: window.width, height: window.height)
        image.pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for y in 0..<window.height {
                    let row = rows[window.y + y]
                    guard row >= 0 else { continue }
                    for x in 0..<window.width {
                        let column = columns[window.x + x]
                        guard column >= 0 else { continue }
                        let s = (row * image.width + column) * 3, d = (y * window.width + x) * 3
                        dst[d] = src[s]; dst[d + 1] = src[s + 1]; dst[d + 2] = src[s + 2]
                    }
                }
            }
        }
        return out
    }
}
