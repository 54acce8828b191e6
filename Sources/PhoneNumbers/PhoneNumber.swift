import Foundation

/// A telephone number parsed the way libphonenumber parses it, which is what Weaviate's `phoneNumber`
/// property does (through nyaruka/phonenumbers, a Go port): `+44 161 234 5000`, `0161 234 5000` with
/// default region GB and `0044 161 2345000` are the same number, written back as `+44 161 234 5000`
/// (INTERNATIONAL) and `0161 234 5000` (NATIONAL).
///
/// The data comes from libphonenumber's metadata (`MetadataTable.swift`, generated); the answers are
/// checked against the reference implementation on every region's example numbers (PhoneNumbersTests).
public struct PhoneNumber: Sendable, Equatable {
    public let countryCode: Int
    /// The national significant number as an integer: without the trunk prefix, and without the
    /// leading zeros that some countries' numbers keep (see `leadingZeros`).
    public let nationalNumber: UInt64
    /// Zeros the national significant number starts with (Italian fixed lines: `06...`).
    public let leadingZeros: Int
    /// The digits after "ext.", ";ext=", " x"..., if the input had them.
    public let extensionDigits: String

    public enum Style: Sendable {
        case national, international
    }

    /// Parses `text`; `defaultRegion` (ISO 3166-1 alpha-2, upper case) says where a number without
    /// `+` or an international prefix was dialled.
    public static func parse(_ text: String, defaultRegion: String?) throws(PhoneNumberError) -> PhoneNumber {
        try PhoneNumberParser(metadata: .shared).parse(text, defaultRegion: defaultRegion)
    }

    /// The national significant number as dialled digits (leading zeros included).
    public var nationalSignificantNumber: String {
        String(repeating: "0", count: leadingZeros) + String(nationalNumber)
    }

    /// Whether the number is one that can be assigned in its territory (libphonenumber's
    /// `isValidNumber`): it matches the pattern of one of its types, such as fixed line or mobile.
    public var isValid: Bool {
        let metadata = PhoneNumberMetadata.shared
        guard let region = validityRegion(metadata),
              let territory = metadata.territory(callingCode: countryCode, region: region)
        else { return false }
        return Self.hasType(nationalSignificantNumber, territory)
    }

    public func formatted(_ style: Style) -> String {
        let metadata = PhoneNumberMetadata.shared
        let nsn = nationalSignificantNumber
        guard let main = metadata.regions(callingCode: countryCode).first,
              let territory = metadata.territory(callingCode: countryCode, region: main)
        else { return nsn }
        let international = style == .international
        let intlFormats = territory.internationalFormats ?? []
        let formats = international && !intlFormats.isEmpty ? intlFormats : territory.formats
        var text = formats.first { Self.fits($0, nsn) }.map { Self.apply($0, to: nsn, national: !international) } ?? nsn
        if !extensionDigits.isEmpty {
            text += (territory.extensionPrefix.isEmpty ? " ext. " : territory.extensionPrefix) + extensionDigits
        }
        return international ? "+\(countryCode) \(text)" : text
    }

    // MARK: - Validity

    /// The region a number belongs to, among those sharing its calling code (nil if none claims it).
    private func validityRegion(_ metadata: PhoneNumberMetadata) -> String? {
        let regions = metadata.regions(callingCode: countryCode)
        if regions.count <= 1 { return regions.first }
        let nsn = nationalSignificantNumber
        for region in regions {
            guard let t = metadata.regions[region] else { continue }
            if !t.leadingDigits.isEmpty {
                if Patterns.prefixMatch(t.leadingDigits, nsn) != nil { return region }
            } else if Self.hasType(nsn, t) {
                return region
            }
        }
        return nil
    }

    private static func hasType(_ nsn: String, _ t: PhoneNumberMetadata.Territory) -> Bool {
        let n = nsn.utf8.count
        guard (t.general.lengths.isEmpty || t.general.lengths.contains(n)),
              PhoneNumberParser.matchesNational(nsn, t.general.pattern)
        else { return false }
        return t.types.contains { ($0.lengths.isEmpty || $0.lengths.contains(n)) && Patterns.matchesEntirely($0.pattern, nsn) }
    }

    // MARK: - Formats

    private static func fits(_ f: PhoneNumberMetadata.Territory.Format, _ nsn: String) -> Bool {
        (f.leadingDigits.isEmpty || Patterns.prefixMatch(f.leadingDigits, nsn) != nil)
            && Patterns.matchesEntirely(f.pattern, nsn)
    }

    private static func apply(_ f: PhoneNumberMetadata.Territory.Format, to nsn: String, national: Bool) -> String {
        var template = f.format
        // NATIONAL writes the first group through the national prefix rule: `$1 $2` with `0$1` → `0$1 $2`.
        if national, !f.nationalPrefixRule.isEmpty, let first = template.range(of: #"\$\d"#, options: .regularExpression) {
            let group = String(template[first])
            template.replaceSubrange(first, with: f.nationalPrefixRule.replacingOccurrences(of: "$1", with: group))
        }
        let regex = Patterns.regex(f.pattern)
        return regex.stringByReplacingMatches(in: nsn, range: NSRange(nsn.startIndex..., in: nsn), withTemplate: template)
    }
}

/// Why a text is not a phone number. `message` is libphonenumber's (nyaruka/phonenumbers') wording.
public enum PhoneNumberError: Error, Sendable, Equatable {
    /// No default region and no `+` or international prefix, or a calling code that does not exist.
    case invalidCountryCode
    case notANumber
    case tooShortAfterIDD
    case tooShortNSN
    case tooLong

    public var message: String {
        switch self {
        case .invalidCountryCode: "invalid country code"
        case .notANumber: "the phone number supplied is not a number"
        case .tooShortAfterIDD: "phone number had an IDD, but after this was not long enough to be a viable phone number"
        case .tooShortNSN: "the string supplied is too short to be a phone number"
        case .tooLong: "the string supplied is too long to be a phone number"
        }
    }
}
