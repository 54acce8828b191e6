/// The bulk of a request's text is usually one long string (a base64 image in a JSON body, the same
/// image inside a GraphQL query), and everything that reads such text wants to get past it quickly. This
/// finds the next byte inside a string literal that needs attention, eight bytes at a time.
public enum PlainBytes {
    /// The start of the first 8-byte word at or after `from` that holds a `"`, a `\` or a control byte
    /// (below 0x20: line breaks among them), or the last position from which a whole word no longer fits;
    /// and the OR of the bytes skipped (below 0x80: all ASCII). Nothing flagged is ever skipped: the caller
    /// goes on byte by byte from the returned position.
    public static func skip(_ bytes: UnsafePointer<UInt8>, from: Int, end: Int) -> (position: Int, or: UInt8) {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        var pos = from
        var or: UInt64 = 0
        while pos + 8 <= end {
            let w = UnsafeRawPointer(bytes + pos).loadUnaligned(as: UInt64.self)
            let quote = w ^ (ones &* 0x22), backslash = w ^ (ones &* 0x5C)
            // A byte is flagged when it is zero in `quote` or `backslash`, or below 0x20 in `w`.
            let flags = ((quote &- ones) & ~quote | (backslash &- ones) & ~backslash | (w &- ones &* 0x20) & ~w) & highs
            if flags != 0 { break }
            or |= w
            pos += 8
        }
        or |= or >> 32; or |= or >> 16; or |= or >> 8
        return (pos, UInt8(truncatingIfNeeded: or))
    }
}
