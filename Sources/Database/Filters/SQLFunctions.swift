import Foundation
import Storage

/// Text tokenization as Weaviate 1.19 applies it to filters (`entities/models` tokenization values).
public enum Tokenizer {
    /// Splits text the way a property's tokenization does: `word` (alphanumeric runs, lower-cased),
    /// `lowercase` (whitespace, lower-cased), `whitespace` (whitespace, case kept), `field` (trimmed whole value).
    public static func tokens(_ text: String, tokenization: String) -> [String] {
        switch tokenization {
        case "field":
            let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
            return t.isEmpty ? [] : [t]
        case "whitespace":
            return text.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        case "lowercase":
            return text.lowercased().split(whereSeparator: { $0.isWhitespace }).map(String.init)
        default:
            return text.lowercased().split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map(String.init)
        }
    }

    /// Wildcard match: `*` any run (possibly empty), `?` exactly one character.
    public static func wildcardMatch(_ text: String, _ pattern: String) -> Bool {
        let t = Array(text), p = Array(pattern)
        var ti = 0, pi = 0, star = -1, mark = 0
        while ti < t.count {
            // `*` first: a `*` in the pattern is always the wildcard, also over a literal `*` in the text.
            if pi < p.count, p[pi] == "*" { star = pi; mark = ti; pi += 1 }
            else if pi < p.count, p[pi] == "?" || p[pi] == t[ti] { ti += 1; pi += 1 }
            else if star >= 0 { pi = star + 1; mark += 1; ti = mark }
            else { return false }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }

    /// Equal on a tokenized text: every token of the query occurs in the value.
    public static func textEqual(_ value: String, _ query: String, tokenization: String) -> Bool {
        let q = tokens(query, tokenization: tokenization)
        guard !q.isEmpty else { return false }
        let v = Set(tokens(value, tokenization: tokenization))
        return q.allSatisfy { v.contains($0) }
    }

    /// Like on a tokenized text: some token matches the pattern (the whole value for `field`).
    public static func textLike(_ value: String, _ pattern: String, tokenization: String) -> Bool {
        switch tokenization {
        case "field": return wildcardMatch(value, pattern)
        case "whitespace": return tokens(value, tokenization: tokenization).contains { wildcardMatch($0, pattern) }
        default:
            let p = pattern.lowercased()
            return tokens(value, tokenization: tokenization).contains { wildcardMatch($0, p) }
        }
    }
}

/// Great-circle distance in metres (haversine on a sphere of radius 6,371 km).
public func geoDistanceMetres(_ lat1: Double, _ lon1: Double, _ lat2: Double, _ lon2: Double) -> Double {
    let r = 6_371_000.0
    let p1 = lat1 * .pi / 180, p2 = lat2 * .pi / 180
    let dp = (lat2 - lat1) * .pi / 180, dl = (lon2 - lon1) * .pi / 180
    let a = sin(dp / 2) * sin(dp / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2)
    return 2 * r * atan2(sqrt(a), sqrt(max(0, 1 - a)))
}

/// SQL functions the compiled `where` filters call, registered on every connection.
enum SQLFunctions {
    static func register(_ db: GRDB.Database) throws {
        db.add(function: DatabaseFunction("iris_text_eq", argumentCount: 3, pure: true) { args in
            guard let v = String.fromDatabaseValue(args[0]), let tok = String.fromDatabaseValue(args[1]),
                  let q = String.fromDatabaseValue(args[2]) else { return false }
            return Tokenizer.textEqual(v, q, tokenization: tok)
        })
        db.add(function: DatabaseFunction("iris_text_like", argumentCount: 3, pure: true) { args in
            guard let v = String.fromDatabaseValue(args[0]), let tok = String.fromDatabaseValue(args[1]),
                  let q = String.fromDatabaseValue(args[2]) else { return false }
            return Tokenizer.textLike(v, q, tokenization: tok)
        })
        db.add(function: DatabaseFunction("iris_like", argumentCount: 2, pure: true) { args in
            guard let v = String.fromDatabaseValue(args[0]), let q = String.fromDatabaseValue(args[1]) else { return false }
            return Tokenizer.wildcardMatch(v, q)
        })
        db.add(function: DatabaseFunction("iris_date_nanos", argumentCount: 1, pure: true) { args in
            guard let v = String.fromDatabaseValue(args[0]) else { return nil }
            return ValueFormats.rfc3339Nanos(v)
        })
        db.add(function: DatabaseFunction("iris_geo_distance", argumentCount: 4, pure: true) { args in
            guard let a = Double.fromDatabaseValue(args[0]), let b = Double.fromDatabaseValue(args[1]),
                  let c = Double.fromDatabaseValue(args[2]), let d = Double.fromDatabaseValue(args[3]) else { return nil }
            return geoDistanceMetres(a, b, c, d)
        })
    }
}
