// Numbers as Weaviate's Go code prints them with `%v`: strconv's shortest digits in `%g` form, which
// switches to an exponent below 1e-4 and from 1e6 up ("1e+06", "1.234567e+06"). Iris puts such text
// where clients compare it with Weaviate's: `explainScore`, the `score` String, messages.

public enum GoNumbers {
    /// `%v` of a float64.
    public static func float64(_ d: Double) -> String { d.isFinite ? shortestG(d.description) : special(d) }

    /// `%v` of a float32: the float32's own shortest digits.
    public static func float32(_ f: Float) -> String { f.isFinite ? shortestG(f.description) : special(Double(f)) }

    static func special(_ d: Double) -> String { d.isNaN ? "NaN" : d < 0 ? "-Inf" : "+Inf" }

    /// Re-lays Swift's shortest round-trip text (the same digits strconv's shortest mode finds) out as
    /// Go's `%g`: the digits, and the decimal exponent of the first one, decide.
    static func shortestG(_ swift: String) -> String {
        var text = Substring(swift)
        let negative = text.first == "-"
        if negative { text = text.dropFirst() }
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...].replacingPlus()) ?? 0
            text = text[..<e]
        }
        let point = text.firstIndex(of: ".") ?? text.endIndex
        let integerCount = text.distance(from: text.startIndex, to: point)
        var digits = Array(text.filter { $0 != "." })
        var dp = integerCount + exponent  // digits before the decimal point
        while digits.first == "0" { digits.removeFirst(); dp -= 1 }
        while digits.last == "0" { digits.removeLast() }
        let sign = negative ? "-" : ""
        guard !digits.isEmpty else { return sign + "0" }
        let x = dp - 1
        if x < -4 || x >= 6 {
            let mantissa = digits.count > 1 ? "\(digits[0])." + String(digits[1...]) : String(digits[0])
            let magnitude = String(abs(x))
            return sign + mantissa + (x < 0 ? "e-" : "e+") + (magnitude.count < 2 ? "0" : "") + magnitude
        }
        if dp <= 0 { return sign + "0." + String(repeating: "0", count: -dp) + String(digits) }
        if dp >= digits.count { return sign + String(digits) + String(repeating: "0", count: dp - digits.count) }
        return sign + String(digits[..<dp]) + "." + String(digits[dp...])
    }
}

private extension Substring {
    /// Int() does not take a leading "+".
    func replacingPlus() -> Substring { first == "+" ? dropFirst() : self }
}
