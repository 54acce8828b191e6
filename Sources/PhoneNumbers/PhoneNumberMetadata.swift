import Foundation

/// libphonenumber's metadata: how each territory's numbers are dialled, which are valid, and how they are
/// written. `MetadataTable.swift` holds it as JSON, generated from the reference data; it is decoded once,
/// on first use.
struct PhoneNumberMetadata: Decodable, Sendable {
    /// One territory (a region, or a non-geographic calling code such as +800).
    struct Territory: Decodable, Sendable {
        /// Numbers of one type (fixed line, mobile, toll free...): their lengths and pattern.
        struct Description: Decodable, Sendable {
            let lengths: [Int]
            let pattern: String
        }

        struct General: Decodable, Sendable {
            let lengths: [Int]
            /// Lengths dialable only within an area (possible, but not a whole national number).
            let localOnlyLengths: [Int]
            let pattern: String
        }

        struct Format: Decodable, Sendable {
            /// Matches a whole national number; its groups fill `format`.
            let pattern: String
            /// `$1 $2 $3`-style template.
            let format: String
            /// Matches the start of the numbers this format is for ("" for all).
            let leadingDigits: String
            /// How the first group is written in NATIONAL format, e.g. `0$1` ("" for as is).
            let nationalPrefixRule: String
        }

        let callingCode: Int
        /// Pattern of the prefix dialled from this territory to call abroad ("00", "011"...).
        let internationalPrefix: String
        /// Pattern of the national prefix (a trunk "0", sometimes with carrier codes) that national
        /// input may start with; `nationalPrefixTransform`, if any, rewrites what it matched.
        let nationalPrefixForParsing: String
        let nationalPrefixTransform: String
        /// For territories sharing a calling code: the start of numbers that belong to this one.
        let leadingDigits: String
        let extensionPrefix: String
        let general: General
        let types: [Description]
        let formats: [Format]
        /// Formats for INTERNATIONAL, where they differ from the national ones.
        let internationalFormats: [Format]?
    }

    let version: String
    let regions: [String: Territory]
    let nonGeographic: [String: Territory]
    /// Calling code → the regions using it, the main one first.
    let callingCodes: [String: [String]]

    static let shared: PhoneNumberMetadata = {
        do { return try JSONDecoder().decode(PhoneNumberMetadata.self, from: Data(json.utf8)) } catch {
            fatalError("the generated phone-number metadata does not decode: \(error)")
        }
    }()

    func regions(callingCode: Int) -> [String] { callingCodes[String(callingCode)] ?? [] }

    /// The territory of a calling code: its main region, or its non-geographic entry ("001").
    func territory(callingCode: Int, region: String) -> Territory? {
        region == Self.nonGeographicRegion ? nonGeographic[String(callingCode)] : regions[region]
    }

    static let nonGeographicRegion = "001"
}

/// Regular expressions of the metadata, compiled once each and shared (NSRegularExpression is immutable).
enum Patterns {
    private static let cache = Cache()

    private final class Cache: @unchecked Sendable {
        private let lock = NSLock()
        private var compiled: [String: NSRegularExpression] = [:]

        func regex(_ pattern: String) -> NSRegularExpression {
            lock.lock()
            defer { lock.unlock() }
            if let r = compiled[pattern] { return r }
            // The metadata is generated and tested; a pattern that does not compile is a build error.
            let r = try! NSRegularExpression(pattern: pattern)
            compiled[pattern] = r
            return r
        }
    }

    static func regex(_ pattern: String) -> NSRegularExpression { cache.regex(pattern) }

    /// Whether `pattern` matches all of `s` (Java's `matches`).
    static func matchesEntirely(_ pattern: String, _ s: String) -> Bool {
        let r = regex("^(?:" + pattern + ")\\z")
        return r.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
    }

    /// The match of `pattern` at the start of `s` (Java's `lookingAt`), if any.
    static func prefixMatch(_ pattern: String, _ s: String) -> NSTextCheckingResult? {
        regex(pattern).firstMatch(in: s, options: .anchored, range: NSRange(s.startIndex..., in: s))
    }
}
