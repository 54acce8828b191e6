import Foundation

/// Parsers for the string formats Weaviate validates: RFC3339 dates, UUIDs, strict base64 (beacons:
/// `parseBeacon` below).
public enum ValueFormats {
    /// Parses an RFC3339 date-time (`2006-01-02T15:04:05Z`, optional fraction, `Z` or `±hh:mm`)
    /// into nanoseconds since the Unix epoch; nil if malformed.
    static func rfc3339Nanos(_ s: String) -> Int64? {
        let b = Array(s.utf8)
        guard b.count >= 20 else { return nil }
        func num(_ from: Int, _ len: Int) -> Int? {
            guard from + len <= b.count else { return nil }
            var v = 0
            for k in from..<(from + len) {
                let c = b[k]
                guard c >= 0x30 && c <= 0x39 else { return nil }
                v = v * 10 + Int(c - 0x30)
            }
            return v
        }
        guard let year = num(0, 4), b[4] == 0x2D, let month = num(5, 2), b[7] == 0x2D, let day = num(8, 2),
              b[10] == 0x54 || b[10] == 0x74 || b[10] == 0x20,
              let hour = num(11, 2), b[13] == 0x3A, let minute = num(14, 2), b[16] == 0x3A, let second = num(17, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year), hour < 24, minute < 60, second < 61
        else { return nil }
        var i = 19
        var nanos: Int64 = 0
        if i < b.count, b[i] == 0x2E {
            i += 1
            var digits = 0
            while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 {
                if digits < 9 { nanos = nanos * 10 + Int64(b[i] - 0x30) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            if digits < 9 { for _ in digits..<9 { nanos *= 10 } }
        }
        guard i < b.count else { return nil }
        var offsetSeconds = 0
        if b[i] == 0x5A || b[i] == 0x7A {
            i += 1
        } else if b[i] == 0x2B || b[i] == 0x2D {
            let sign = b[i] == 0x2D ? -1 : 1
            guard let oh = num(i + 1, 2), i + 3 < b.count, b[i + 3] == 0x3A, let om = num(i + 4, 2), oh < 24, om < 60 else { return nil }
            offsetSeconds = sign * (oh * 3600 + om * 60)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let secs = Int64(days) * 86400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        let (r, overflow) = secs.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return nil }
        return r.addingReportingOverflow(nanos).overflow ? nil : r + nanos
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// Whether `s` is a UUID in the 8-4-4-4-12 hex form (any case, any version): go-swagger's
    /// `format: uuid` check, used for ids in paths, bodies and beacons.
    /// Nanoseconds since the epoch as Go's `time.RFC3339Nano` prints them in UTC: trailing zeros of the
    /// fraction dropped, no fraction at all when it is zero (`2021-01-01T12:00:00Z`).
    static func rfc3339Nano(_ nanos: Int64) -> String {
        var seconds = nanos / 1_000_000_000
        var fraction = nanos % 1_000_000_000
        if fraction < 0 { fraction += 1_000_000_000; seconds -= 1 }
        var days = seconds / 86_400
        var rest = seconds % 86_400
        if rest < 0 { rest += 86_400; days -= 1 }
        // Days to a civil date (Howard Hinnant's algorithm, the inverse of daysFromCivil).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ v: Int64, _ width: Int) -> String {
            let digits = String(v)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        var out = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(rest / 3600, 2)):\(pad(rest / 60 % 60, 2)):\(pad(rest % 60, 2))"
        if fraction > 0 {
            var digits = pad(fraction, 9)
            while digits.hasSuffix("0") { digits.removeLast() }
            out += "." + digits
        }
        return out + "Z"
    }

    public static func isUUID(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard b.count == 36 else { return false }
        for (k, c) in b.enumerated() {
            if k == 8 || k == 13 || k == 18 || k == 23 {
                if c != 0x2D { return false }
            } else if !((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)) {
                return false
            }
        }
        return true
    }

    /// Weaviate's strict base64 check: `^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$`.
    static func isStrictBase64(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard !b.isEmpty, b.count % 4 == 0 else { return false }
        func isChar(_ c: UInt8) -> Bool {
            (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2B || c == 0x2F
        }
        let n = b.count
        for k in 0..<(n - 4) where !isChar(b[k]) { return false }
        let t = b[(n - 4)...]
        let t0 = t[t.startIndex], t1 = t[t.startIndex + 1], t2 = t[t.startIndex + 2], t3 = t[t.startIndex + 3]
        guard isChar(t0), isChar(t1) else { return false }
        if t2 == 0x3D { return t3 == 0x3D }
        guard isChar(t2) else { return false }
        return t3 == 0x3D || isChar(t3)
    }

    /// A random (v4) UUID, lower-case.
    static func newUUID() -> String { UUID().uuidString.lowercased() }

    static func nowMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
}

/// A cross-reference beacon, `weaviate://<host>/[<Class>/]<uuid>`.
struct Beacon: Sendable, Equatable {
    var host: String
    /// The class segment; nil for the legacy class-less form.
    var className: String?
    var id: String
    /// Object properties may only reference this node's objects (`weaviate://localhost/…`).
    var isLocal: Bool { host == "localhost" }
}

/// Parses a beacon as Weaviate's `crossref.Parse` does: any host, an optional class segment, and an id
/// that must be a UUID. Throws 422 `invalid beacon '<beacon>': …`.
func parseBeacon(_ beacon: String) throws -> Beacon {
    let prefix = "weaviate://"
    guard beacon.hasPrefix(prefix) else {
        throw DatabaseError.unprocessable("invalid beacon '\(beacon)': must start with weaviate://")
    }
    let parts = beacon.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    let className: String?, id: String
    switch parts.count {
    case 2: (className, id) = (nil, parts[1])
    case 3: (className, id) = (parts[1].isEmpty ? nil : parts[1], parts[2])
    default:
        throw DatabaseError.unprocessable("invalid beacon '\(beacon)': must be of the form weaviate://<host>/[<className>/]<uuid>")
    }
    guard ValueFormats.isUUID(id) else {
        throw DatabaseError.unprocessable("invalid beacon '\(beacon)': '\(id)' is not a uuid")
    }
    return Beacon(host: parts[0], className: className, id: id)
}

extension ValueFormats {
    /// Refuses a vector with a component that is not a finite Float32 (NaN, ±inf, or a JSON number
    /// beyond Float32's range that became inf): stored, it could never be found again.
    static func checkFinite(_ vector: [Float], _ what: String) throws {
        if let k = vector.firstIndex(where: { !$0.isFinite }) {
            throw DatabaseError.unprocessable("\(what): component \(k) is not a finite 32-bit float (\(vector[k]))")
        }
    }
}
