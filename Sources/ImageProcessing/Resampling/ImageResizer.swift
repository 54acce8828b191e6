import CImageCodecs

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
///
/// Verified byte-identical to Pillow 10.0 (the reference container's era) for every filter on random sizes.
/// Pillow 13 sometimes runs the vertical pass first when the two axes scale differently (e.g. a portrait photo
/// whose height shrinks slightly more than its width), which moves some pixels by 1; we keep the older order.
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
        // Only the part of the window inside the resized image is produced (an empty image if none).
        let x0 = max(0, window.x), y0 = max(0, window.y)
        let x1 = min(width, window.x + max(0, window.width)), y1 = min(height, window.y + max(0, window.height))
        guard x1 > x0, y1 > y0 else { return RGBImage(width: 0, height: 0) }
        let window = PixelRect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
        guard image.width > 0, image.height > 0 else { return RGBImage(width: window.width, height: window.height) }
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

    /// Copies a rectangle; like PIL's `crop`, parts outside the image are black.
    public static func crop(_ image: RGBImage, _ rect: PixelRect) -> RGBImage {
        let width = max(0, rect.width), height = max(0, rect.height)
        var out = RGBImage(width: width, height: height)
        let x0 = max(rect.x, 0), x1 = min(rect.x + width, image.width)  // columns present in the source
        guard x1 > x0 else { return out }
        let count = (x1 - x0) * 3
        image.pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    let sy = rect.y + y
                    guard sy >= 0, sy < image.height else { continue }
                    let from = src.baseAddress! + (sy * image.width + x0) * 3
                    (dst.baseAddress! + (y * width + (x0 - rect.x)) * 3).update(from: from, count: count)
                }
            }
        }
        return out
    }

    /// out[row - rows.lowerBound][x] = sum_t in[row][start[firstColumn + x] + t] * w[t]  (C kernel, AVX2 when present)
    private static func horizontalPass(_ image: RGBImage, into temp: inout RGBImage, rows: Range<Int>,
                                       columns firstColumn: Int, _ c: ResampleCoefficients) {
        let outWidth = temp.width, rowBytes = image.width * 3
        image.pixels.withUnsafeBufferPointer { src in
            temp.pixels.withUnsafeMutableBufferPointer { dst in
                c.weights.withUnsafeBufferPointer { weights in
                    c.start.withUnsafeBufferPointer { starts in
                        c.count.withUnsafeBufferPointer { counts in
                            let first = src.baseAddress! + rows.lowerBound * rowBytes
                            iris_resample_horizontal_rgb(
                                first, rowBytes, src.count - rows.lowerBound * rowBytes, Int32(rows.count),
                                dst.baseAddress!, outWidth * 3, Int32(outWidth), Int32(firstColumn),
                                starts.baseAddress!, counts.baseAddress!, weights.baseAddress!, Int32(c.taps))
                        }
                    }
                }
            }
        }
    }

    /// out[y][x] = sum_t temp[start[outRows + y] - rowOffset + t][x] * w[t], a whole row at a time (C kernel).
    private static func verticalPass(_ temp: RGBImage, into out: inout RGBImage, rowOffset: Int, outRows firstOut: Int,
                                     _ c: ResampleCoefficients) {
        let rowBytes = temp.width * 3, outRows = out.height
        var accumulator = [Int32](repeating: 0, count: rowBytes)
        temp.pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                accumulator.withUnsafeMutableBufferPointer { acc in
                    c.weights.withUnsafeBufferPointer { weights in
                        c.start.withUnsafeBufferPointer { starts in
                            c.count.withUnsafeBufferPointer { counts in
                                iris_resample_vertical_rgb(
                                    src.baseAddress!, rowBytes, dst.baseAddress!, Int32(outRows), Int32(firstOut),
                                    Int32(rowOffset), starts.baseAddress!, counts.baseAddress!, weights.baseAddress!,
                                    Int32(c.taps), acc.baseAddress!)
                            }
                        }
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
