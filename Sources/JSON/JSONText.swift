/// The one JSON string escaper and number formatter, for every writer in Iris (JSONValue, REST's JSONWriter,
/// GraphQL responses, log lines). Each writer keeps its own buffer; these append to it in place.
///
/// Escaping is Go's minimal set as Weaviate emits it: `"` `\` `\n` `\r` `\t` by name, other control
/// characters as `\u00xx`; everything else, including non-ASCII, is copied as UTF-8.
public enum JSONText {
    /// Appends `s` quoted and escaped to a byte buffer.
    public static func appendQuoted(_ s: String, to out: inout [UInt8]) {
        out.append(0x22)
        var s = s
        s.withUTF8 { utf8 in
            var run = 0
            for i in 0..<utf8.count {
                let c = utf8[i]
                if c >= 0x20 && c != 0x22 && c != 0x5C { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<i]))
                run = i + 1
                appendEscape(c, to: &out)
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<utf8.count]))
        }
        out.append(0x22)
    }

    /// Appends `s` quoted and escaped to a String. Unescaped runs are appended as slices of `s` (no copies
    /// in between); escape bytes are ASCII, so every slice boundary is a character boundary.
    public static func appendQuoted(_ s: String, to out: inout String) {
        out.append("\"")
        let utf8 = s.utf8
        var run = utf8.startIndex
        var i = run
        while i != utf8.endIndex {
            let c = utf8[i]
            if c >= 0x20 && c != 0x22 && c != 0x5C { utf8.formIndex(after: &i); continue }
            out.append(contentsOf: s[run..<i])
            switch c {
            case 0x22: out.append("\\\"")
            case 0x5C: out.append("\\\\")
            case 0x0A: out.append("\\n")
            case 0x0D: out.append("\\r")
            case 0x09: out.append("\\t")
            default:
                out.append("\\u00")
                out.unicodeScalars.append(Unicode.Scalar(hexDigit(c >> 4)))
                out.unicodeScalars.append(Unicode.Scalar(hexDigit(c & 0xF)))
            }
            utf8.formIndex(after: &i)
            run = i
        }
        out.append(contentsOf: s[run..<utf8.endIndex])
        out.append("\"")
    }

    /// `s` quoted and escaped.
    public static func quoted(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count + 2)
        appendQuoted(s, to: &out)
        return out
    }

    @inline(__always) static func appendEscape(_ c: UInt8, to out: inout [UInt8]) {
        out.append(0x5C)
        switch c {
        case 0x22: out.append(0x22)
        case 0x5C: out.append(0x5C)
        case 0x0A: out.append(UInt8(ascii: "n"))
        case 0x0D: out.append(UInt8(ascii: "r"))
        case 0x09: out.append(UInt8(ascii: "t"))
        default:
            out.append(UInt8(ascii: "u")); out.append(UInt8(ascii: "0")); out.append(UInt8(ascii: "0"))
            out.append(hexDigit(c >> 4)); out.append(hexDigit(c & 0xF))
        }
    }

    @inline(__always) static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 48 + v : 87 + v }

    @inline(__always) public static func appendASCII(_ s: StaticString, to out: inout [UInt8]) {
        s.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    /// Decimal digits of `v`, written backwards into a stack tuple: no String in between.
    public static func appendInt(_ v: Int64, to out: inout [UInt8]) {
        if v >= 0 && v < 10 { out.append(48 + UInt8(v)); return }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: 20 digits and a sign fit
        var magnitude = v.magnitude
        withUnsafeMutableBytes(of: &digits) { buf in
            var k = buf.count
            while magnitude > 0 {
                k -= 1
                buf[k] = 48 + UInt8(magnitude % 10)
                magnitude /= 10
            }
            if v < 0 { k -= 1; buf[k] = UInt8(ascii: "-") }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buf[k...]))
        }
    }

    /// A double as Iris writes it everywhere: whole numbers below 1e15 without ".0" (as Go prints them),
    /// others in Swift's shortest round-trip form, non-finite values as `null`.
    public static func appendDouble(_ d: Double, to out: inout [UInt8]) {
        guard d.isFinite else { appendASCII("null", to: &out); return }
        if d == d.rounded(.towardZero), abs(d) < 1e15 { appendInt(Int64(d), to: &out); return }
        out.append(contentsOf: d.description.utf8)
    }

    /// `appendDouble` for String buffers.
    public static func appendDouble(_ d: Double, to out: inout String) {
        guard d.isFinite else { out.append("null"); return }
        if d == d.rounded(.towardZero), abs(d) < 1e15 { out.append(String(Int64(d))); return }
        out.append(d.description)
    }
}
