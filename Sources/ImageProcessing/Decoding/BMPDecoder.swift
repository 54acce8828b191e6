/// BMP decoding written here (no system library), following what PIL's BmpImagePlugin accepts and how
/// `convert('RGB')` then maps the pixels:
/// - headers: OS/2 core (12 bytes) and Windows info headers (40, 52, 56, 64, 108, 124 bytes);
/// - 1/4/8-bit palettes (BGRX, or BGR for the 12-byte header), uncompressed or RLE8/RLE4; indices past the
///   palette give gray (i, i, i) as in Pillow <= 10; an 8-bit file whose palette is the gray ramp is read as gray values (PIL mode L);
/// - 16-bit 5-5-5 (BI_RGB) and bitfields 5-6-5 / 5-5-5, expanded as `v * 255 / max` truncated (PIL's BGR;15/16);
/// - 24-bit BGR; 32-bit BGRX (BI_RGB) and PIL's supported bitfield layouts (alpha dropped);
/// - bottom-up rows, or top-down when the height is negative; rows padded to 4 bytes.
enum BMPDecoder {
    private static let compressionRGB: UInt32 = 0, compressionRLE8: UInt32 = 1, compressionRLE4: UInt32 = 2
    private static let compressionBitfields: UInt32 = 3

    static func decode(_ bytes: UnsafeRawBufferPointer, maxPixels: Int) throws -> RGBImage {
        func corrupt(_ reason: String) -> ImageDecodingError { .corruptData(format: .bmp, reason: reason) }
        func unsupported(_ reason: String) -> ImageDecodingError { .unsupportedFeature(format: .bmp, reason: reason) }
        func u16(_ offset: Int) throws -> Int {
            guard offset >= 0, offset + 2 <= bytes.count else { throw corrupt("truncated header") }
            return Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
        }
        func u32(_ offset: Int) throws -> UInt32 {
            guard offset >= 0, offset + 4 <= bytes.count else { throw corrupt("truncated header") }
            return UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
                | UInt32(bytes[offset + 3]) << 24
        }

        guard bytes.count >= 18, bytes[0] == 0x42, bytes[1] == 0x4D else { throw corrupt("missing BM file header") }
        var dataOffset = Int(try u32(10))
        let headerSize = Int(try u32(14))
        var width: Int, height: Int, bits: Int, compression: UInt32, colors: Int
        var topDown = false
        var paletteEntrySize = 4
        var masks: [UInt32] = []
        var cursor = 14 + headerSize  // where the masks (40-byte header) or the palette follow
        switch headerSize {
        case 12:
            width = try u16(18)
            height = try u16(20)
            bits = try u16(24)
            compression = compressionRGB
            colors = 0
            paletteEntrySize = 3
        case 40, 52, 56, 64, 108, 124:
            width = Int(Int32(bitPattern: try u32(18)))
            let rawHeight = try u32(22)
            topDown = (rawHeight >> 24) == 0xFF  // PIL's test for a negative height
            height = topDown ? Int(UInt32(0) &- rawHeight) : Int(rawHeight)
            bits = try u16(28)
            compression = try u32(30)
            colors = Int(try u32(46))
            if compression == compressionBitfields {
                if headerSize >= 52 {
                    masks = [try u32(54), try u32(58), try u32(62), headerSize >= 56 ? try u32(66) : 0]
                } else {
                    masks = [try u32(cursor), try u32(cursor + 4), try u32(cursor + 8), 0]
                    cursor += 12
                }
            }
        default:
            throw unsupported("header size \(headerSize)")
        }
        guard width > 0, height > 0 else { throw corrupt("invalid size \(width)x\(height)") }
        guard [1, 4, 8, 16, 24, 32].contains(bits) else { throw unsupported("\(bits) bits per pixel") }
        if width.multipliedReportingOverflow(by: height).overflow || width * height > maxPixels {
            throw ImageDecodingError.tooLarge(format: .bmp, width: width, height: height, limit: maxPixels)
        }
        if colors == 0 { colors = 1 << bits }

        // What the bits mean: a palette index, or channels at shifts given by the layout.
        enum Layout { case indexed, rgb555, rgb565, bgr24, channels32(r: UInt32, g: UInt32, b: UInt32) }
        var layout: Layout
        switch compression {
        case compressionRGB:
            switch bits {
            case 16: layout = .rgb555
            case 24: layout = .bgr24
            case 32: layout = .channels32(r: 16, g: 8, b: 0)
            default: layout = .indexed
            }
        case compressionRLE8, compressionRLE4:
            guard bits <= 8 else { throw unsupported("RLE compression with \(bits) bits per pixel") }
            layout = .indexed
        case compressionBitfields:
            let rgb = Array(masks.prefix(3))
            switch (bits, rgb, masks[3]) {
            case (16, [0xF800, 0x7E0, 0x1F], _): layout = .rgb565
            case (16, [0x7C00, 0x3E0, 0x1F], _): layout = .rgb555
            case (24, [0xFF0000, 0xFF00, 0xFF], _): layout = .bgr24
            case (32, _, _):
                // PIL's supported 32-bit mask sets; all-zero masks mean BGRA.
                let supported: [[UInt32]] = [
                    [0xFF0000, 0xFF00, 0xFF, 0], [0xFF00_0000, 0xFF0000, 0xFF00, 0], [0xFF00_0000, 0xFF00, 0xFF, 0],
                    [0xFF00_0000, 0xFF0000, 0xFF00, 0xFF], [0xFF, 0xFF00, 0xFF0000, 0xFF00_0000],
                    [0xFF0000, 0xFF00, 0xFF, 0xFF00_0000], [0xFF00_0000, 0xFF00, 0xFF, 0xFF0000], [0, 0, 0, 0],
                ]
                guard supported.contains(masks) else { throw unsupported("bitfields layout \(masks)") }
                let m = masks == [0, 0, 0, 0] ? [0xFF0000, 0xFF00, 0xFF] : rgb
                layout = .channels32(r: UInt32(m[0].trailingZeroBitCount), g: UInt32(m[1].trailingZeroBitCount),
                                     b: UInt32(m[2].trailingZeroBitCount))
            default:
                throw unsupported("bitfields layout \(masks) with \(bits) bits per pixel")
            }
        default:
            throw unsupported("compression \(compression)")
        }

        // Palette (indexed images only): read right after the header (and masks).
        // Entries past the file's palette are gray (i, i, i), as Pillow <= 10 pre-fills palettes (Pillow 13: black).
        var palette = (0..<256 * 3).map { UInt8($0 / 3) }
        var grayIndices = false
        if case .indexed = layout {
            guard colors > 0, colors <= 65536 else { throw unsupported("palette of \(colors) colours") }
            let available = max(0, min(colors, (bytes.count - cursor) / paletteEntrySize))
            var isRamp = available == colors
            for i in 0..<min(available, 256) {
                let p = cursor + i * paletteEntrySize
                palette[3 * i] = bytes[p + 2]
                palette[3 * i + 1] = bytes[p + 1]
                palette[3 * i + 2] = bytes[p]
            }
            for i in 0..<available where isRamp {
                let p = cursor + i * paletteEntrySize
                let expected = UInt8(truncatingIfNeeded: colors == 2 ? (i == 0 ? 0 : 255) : i)
                isRamp = bytes[p] == expected && bytes[p + 1] == expected && bytes[p + 2] == expected
            }
            // PIL reads an 8-bit gray-ramp BMP as mode L: the index is the gray level, even past the palette.
            grayIndices = isRamp && bits == 8
            if dataOffset == 14 + headerSize { dataOffset += paletteEntrySize * colors }  // PIL's fix-up
        }

        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        try pixels.withUnsafeMutableBufferPointer { out in
            if compression == compressionRLE8 || compression == compressionRLE4 {
                let indices = try decodeRLE(bytes, from: dataOffset, width: width, height: height,
                                            rle4: compression == compressionRLE4)
                for row in 0..<height {
                    let y = topDown ? row : height - 1 - row
                    for x in 0..<width {
                        writeIndex(indices[row * width + x], to: out, at: (y * width + x) * 3, palette, grayIndices)
                    }
                }
                return
            }
            let stride = ((width * bits + 31) >> 3) & ~3
            // Like PIL's raw decoder, every row (padding included) must be present.
            guard dataOffset >= 0, dataOffset <= bytes.count, (bytes.count - dataOffset) / stride >= height else { throw corrupt("truncated pixel data (image file is truncated)") }
            for row in 0..<height {
                let src = dataOffset + row * stride
                let y = topDown ? row : height - 1 - row
                var dst = y * width * 3
                switch layout {
                case .indexed:
                    let perByte = 8 / bits, mask = (1 << bits) - 1
                    for x in 0..<width {
                        let byte = Int(bytes[src + x / perByte])
                        let shift = 8 - bits * (x % perByte + 1)
                        writeIndex(UInt8((byte >> shift) & mask), to: out, at: dst, palette, grayIndices)
                        dst += 3
                    }
                case .bgr24:
                    for x in 0..<width {
                        let p = src + 3 * x
                        out[dst] = bytes[p + 2]; out[dst + 1] = bytes[p + 1]; out[dst + 2] = bytes[p]
                        dst += 3
                    }
                case .rgb555, .rgb565:
                    let is565: Bool = { if case .rgb565 = layout { return true } else { return false } }()
                    for x in 0..<width {
                        let v = Int(bytes[src + 2 * x]) | Int(bytes[src + 2 * x + 1]) << 8
                        if is565 {
                            out[dst] = UInt8(((v >> 11) & 31) * 255 / 31)
                            out[dst + 1] = UInt8(((v >> 5) & 63) * 255 / 63)
                        } else {
                            out[dst] = UInt8(((v >> 10) & 31) * 255 / 31)
                            out[dst + 1] = UInt8(((v >> 5) & 31) * 255 / 31)
                        }
                        out[dst + 2] = UInt8((v & 31) * 255 / 31)
                        dst += 3
                    }
                case .channels32(let r, let g, let b):
                    for x in 0..<width {
                        let p = src + 4 * x
                        let v = UInt32(bytes[p]) | UInt32(bytes[p + 1]) << 8 | UInt32(bytes[p + 2]) << 16
                            | UInt32(bytes[p + 3]) << 24
                        out[dst] = UInt8(truncatingIfNeeded: v >> r)
                        out[dst + 1] = UInt8(truncatingIfNeeded: v >> g)
                        out[dst + 2] = UInt8(truncatingIfNeeded: v >> b)
                        dst += 3
                    }
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    @inline(__always)
    private static func writeIndex(_ index: UInt8, to out: UnsafeMutableBufferPointer<UInt8>, at dst: Int,
                                   _ palette: [UInt8], _ grayIndices: Bool) {
        if grayIndices {
            out[dst] = index; out[dst + 1] = index; out[dst + 2] = index
        } else {
            let p = Int(index) * 3
            out[dst] = palette[p]; out[dst + 1] = palette[p + 1]; out[dst + 2] = palette[p + 2]
        }
    }

    /// PIL's RLE8/RLE4 reading: a linear buffer of indices in file row order. Runs are clipped at the row
    /// end, end-of-line pads the row with index 0, delta skips with index 0, literal runs are word-aligned
    /// (by absolute file position) and not clipped. A stream that ends before the image is full is an
    /// error, as in PIL ("not enough image data").
    private static func decodeRLE(_ bytes: UnsafeRawBufferPointer, from start: Int, width: Int, height: Int,
                                  rle4: Bool) throws -> [UInt8] {
        let total = width * height
        var data = [UInt8]()
        data.reserveCapacity(total)
        var pos = max(0, start), x = 0
        while data.count < total {
            guard pos + 2 <= bytes.count else { break }
            let count = Int(bytes[pos]), value = bytes[pos + 1]
            pos += 2
            if count > 0 {
                let n = x + count > width ? max(0, width - x) : count
                for i in 0..<n { data.append(rle4 ? (i % 2 == 0 ? value >> 4 : value & 0x0F) : value) }
                x += n
            } else if value == 0 {  // end of line
                while data.count % width != 0 { data.append(0) }
                x = 0
            } else if value == 1 {  // end of bitmap
                break
            } else if value == 2 {  // delta
                guard pos + 2 <= bytes.count else { break }
                let right = Int(bytes[pos]), up = Int(bytes[pos + 1])
                pos += 2
                data.append(contentsOf: repeatElement(0, count: min(total - data.count, right + up * width)))
                x = data.count % width
            } else {  // literal run of `value` indices
                let dataCount = min(total - data.count, Int(value))
                let byteCount = rle4 ? (dataCount + 1) / 2 : dataCount
                let readable = max(0, min(byteCount, bytes.count - pos))
                if rle4 {
                    for i in 0..<readable {
                        let b = bytes[pos + i]
                        data.append(b >> 4)
                        if i * 2 + 1 < dataCount { data.append(b & 0x0F) }
                    }
                } else {
                    for i in 0..<readable { data.append(bytes[pos + i]) }
                }
                pos += readable
                if readable < byteCount || data.count == total { break }
                x += Int(value)
                if pos % 2 != 0 { pos += 1 }
            }
        }
        guard data.count >= total else {
            throw ImageDecodingError.corruptData(format: .bmp, reason: "RLE data ends early (not enough image data)")
        }
        return data
    }
}
