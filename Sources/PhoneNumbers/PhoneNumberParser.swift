import Foundation

/// libphonenumber's parse, step by step: find the number in the text, take off an extension, find the
/// calling code (from `+`, from an international prefix such as `00`, or from the default region), take
/// off the national prefix, and keep the digits as the national significant number.
struct PhoneNumberParser {
    let metadata: PhoneNumberMetadata

    static let maxInputLength = 250
    static let minNationalLength = 2
    static let maxNationalLength = 17
    static let maxCallingCodeLength = 3

    func parse(_ text: String, defaultRegion: String?) throws(PhoneNumberError) -> PhoneNumber {
        if text.unicodeScalars.count > Self.maxInputLength { throw .tooLong }
        var number = try Self.numberForParsing(text)
        guard Self.isViable(number) else { throw .notANumber }
        let region = defaultRegion.flatMap { metadata.regions[$0] != nil ? $0 : nil }
        if region == nil && Self.leadingPlusLength(number) == 0 { throw .invalidCountryCode }
        let extensionDigits = Self.stripExtension(&number)

        var territory = region.flatMap { metadata.regions[$0] }
        var (code, nsn): (Int, String)
        do {
            (code, nsn) = try extractCallingCode(number, territory)
        } catch .invalidCountryCode where Self.leadingPlusLength(number) > 0 {
            // "+ 00 44 ...": the plus was noise before an international prefix.
            let afterPlus = String(String.UnicodeScalarView(number.unicodeScalars.dropFirst(Self.leadingPlusLength(number))))
            (code, nsn) = try extractCallingCode(afterPlus, territory)
            if code == 0 { throw .invalidCountryCode }
        }
        if code != 0 {
            let main = metadata.regions(callingCode: code).first ?? "ZZ"
            if main != region { territory = metadata.territory(callingCode: code, region: main) }
        } else {
            nsn = Self.normalize(number)
            if let territory { code = territory.callingCode }
        }
        if nsn.utf8.count < Self.minNationalLength { throw .tooShortNSN }
        if let territory {
            // Keep the national prefix when taking it off leaves a number too short to be one.
            let stripped = Self.stripNationalPrefix(nsn, territory)
            switch Self.lengthCheck(stripped, territory) {
            case .tooShort, .localOnly, .invalidLength: break
            case .possible, .tooLong: nsn = stripped
            }
        }
        let digits = Array(nsn.utf8)
        if digits.count < Self.minNationalLength { throw .tooShortNSN }
        if digits.count > Self.maxNationalLength { throw .tooLong }
        var zeros = 0
        if digits.count > 1 && digits[0] == UInt8(ascii: "0") {
            zeros = 1
            while zeros < digits.count - 1 && digits[zeros] == UInt8(ascii: "0") { zeros += 1 }
        }
        return PhoneNumber(countryCode: code, nationalNumber: UInt64(nsn) ?? 0, leadingZeros: zeros,
                           extensionDigits: extensionDigits)
    }

    // MARK: - Calling code

    /// The calling code and the national number after it, or (0, "") when the number has neither `+`
    /// nor an international prefix and does not start with the default region's calling code.
    private func extractCallingCode(_ number: String, _ territory: PhoneNumberMetadata.Territory?) throws(PhoneNumberError) -> (Int, String) {
        if number.isEmpty { return (0, "") }
        let (international, full) = Self.stripInternationalPrefix(number, idd: territory?.internationalPrefix ?? "")
        if international {
            if full.utf8.count <= Self.minNationalLength { throw .tooShortAfterIDD }
            let digits = Array(full.utf8)
            if digits.first != UInt8(ascii: "0") {
                for length in 1...min(Self.maxCallingCodeLength, digits.count) {
                    let code = Int(String(decoding: digits[..<length], as: UTF8.self)) ?? 0
                    if !metadata.regions(callingCode: code).isEmpty {
                        return (code, String(decoding: digits[length...], as: UTF8.self))
                    }
                }
            }
            throw .invalidCountryCode
        }
        // "441612345000" dialled in GB: the calling code without its plus, if that makes a better number.
        if let t = territory, full.hasPrefix(String(t.callingCode)) {
            let rest = Self.stripNationalPrefix(String(full.dropFirst(String(t.callingCode).count)), t)
            if (!Self.matchesNational(full, t.general.pattern) && Self.matchesNational(rest, t.general.pattern))
                || Self.lengthCheck(full, t) == .tooLong {
                return (t.callingCode, rest)
            }
        }
        return (0, "")
    }

    /// Takes off leading `+` signs or the region's international prefix, and normalises the rest to
    /// ASCII digits. True when either was there.
    private static func stripInternationalPrefix(_ number: String, idd: String) -> (Bool, String) {
        let plus = leadingPlusLength(number)
        if plus > 0 {
            return (true, normalize(String(String.UnicodeScalarView(number.unicodeScalars.dropFirst(plus)))))
        }
        let digits = normalize(number)
        guard !idd.isEmpty, let m = Patterns.prefixMatch(idd, digits), let end = Range(m.range, in: digits)?.upperBound else {
            return (false, digits)
        }
        let rest = digits[end...]
        // "00" followed by 0 is not an international call: no calling code starts with 0.
        if rest.first == "0" { return (false, digits) }
        return (true, String(rest))
    }

    // MARK: - National prefix

    /// The number without its national (trunk) prefix, rewritten by the territory's transform rule
    /// where it has one; the number itself when there is none, or when taking it off would turn a
    /// valid-looking number into an invalid-looking one.
    static func stripNationalPrefix(_ number: String, _ t: PhoneNumberMetadata.Territory) -> String {
        guard !number.isEmpty, !t.nationalPrefixForParsing.isEmpty,
              let m = Patterns.prefixMatch(t.nationalPrefixForParsing, number),
              let end = Range(m.range, in: number)?.upperBound
        else { return number }
        let viableBefore = matchesNational(number, t.general.pattern)
        let groups = m.numberOfRanges - 1
        let candidate: String
        if t.nationalPrefixTransform.isEmpty || groups == 0 || m.range(at: groups).location == NSNotFound {
            candidate = String(number[end...])
        } else {
            let regex = Patterns.regex(t.nationalPrefixForParsing)
            candidate = regex.replacementString(for: m, in: number, offset: 0, template: t.nationalPrefixTransform)
                + number[end...]
        }
        if viableBefore && !matchesNational(candidate, t.general.pattern) { return number }
        return candidate
    }

    static func matchesNational(_ number: String, _ pattern: String) -> Bool {
        !pattern.isEmpty && Patterns.matchesEntirely(pattern, number)
    }

    enum LengthCheck { case possible, localOnly, tooShort, tooLong, invalidLength }

    /// libphonenumber's `testNumberLength` against the territory's possible lengths.
    static func lengthCheck(_ number: String, _ t: PhoneNumberMetadata.Territory) -> LengthCheck {
        let lengths = t.general.lengths
        guard let shortest = lengths.first, let longest = lengths.last, shortest > 0 else { return .invalidLength }
        let n = number.utf8.count
        if t.general.localOnlyLengths.contains(n) { return .localOnly }
        if n == shortest { return .possible }
        if n < shortest { return .tooShort }
        if n > longest { return .tooLong }
        return lengths.contains(n) ? .possible : .invalidLength
    }

    // MARK: - Finding the number in the text

    /// The part of the text to parse: from the first digit or plus to the last letter, digit or `#`,
    /// without a second number ("/x302"); RFC 3966 `tel:` URIs with `phone-context` put together.
    static func numberForParsing(_ text: String) throws(PhoneNumberError) -> String {
        var number: String
        if let context = text.range(of: ";phone-context=") {
            let after = text[context.upperBound...]
            let value = after.prefix { $0 != ";" }
            guard isValidPhoneContext(String(value)) else { throw .notANumber }
            number = value.hasPrefix("+") ? String(value) : ""
            let start = text.range(of: "tel:")?.upperBound ?? text.startIndex
            if start < context.lowerBound { number += text[start..<context.lowerBound] }
        } else {
            number = possibleNumber(text)
        }
        if let isub = number.range(of: ";isub="), isub.lowerBound > number.startIndex {
            number = String(number[..<isub.lowerBound])
        }
        return number
    }

    private static func isValidPhoneContext(_ context: String) -> Bool {
        let digit = "(?:\\d|[\\-\\.\\(\\)]?)"
        let globalNumber = "\\+\(digit)*\\d\(digit)*"
        let alphanum = "[a-zA-Z\\d]"
        let domain = "(?:(?:\(alphanum)|\(alphanum)(?:\(alphanum)|-)*\(alphanum))\\.)*(?:[a-zA-Z]|[a-zA-Z](?:\(alphanum)|-)*\(alphanum))\\.?"
        return !context.isEmpty && (Patterns.matchesEntirely(globalNumber, context) || Patterns.matchesEntirely(domain, context))
    }

    private static func possibleNumber(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let start = scalars.firstIndex(where: { isPlus($0) || isDecimalDigit($0) }) else { return "" }
        var tail = Substring.UnicodeScalarView(scalars[start...])
        while let last = tail.last, !(last == "#" || isLetterOrNumber(last)) { tail.removeLast() }
        var number = String(String.UnicodeScalarView(tail))
        if let second = number.range(of: "[\\\\/] *x", options: .regularExpression) {
            number = String(number[..<second.lowerBound])
        }
        return number
    }

    // MARK: - Character classes

    static func isPlus(_ s: Unicode.Scalar) -> Bool { s == "+" || s == "\u{FF0B}" }

    static func leadingPlusLength(_ s: String) -> Int { s.unicodeScalars.prefix(while: isPlus).count }

    static func isDecimalDigit(_ s: Unicode.Scalar) -> Bool { s.properties.numericType == .decimal }

    private static func isLetterOrNumber(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber: true
        default: false
        }
    }

    /// Dashes, spaces, dots, slashes, brackets and tildes, full-width ones too, and `x`, which stands in
    /// for carrier digits in some countries' numbers.
    private static let punctuation = "-x\u{2010}-\u{2015}\u{2212}\u{30FC}\u{FF0D}-\u{FF0F} \u{00A0}\u{00AD}\u{200B}\u{2060}\u{3000}()\u{FF08}\u{FF09}\u{FF3B}\u{FF3D}.\\[\\]/~\u{2053}\u{223C}\u{FF5E}"

    /// What an extension at the end of a number looks like: ";ext=123", " ext. 123", " x123", " #123",
    /// ",,123"..., each label with its own cap on digits. Group n captures the digits.
    private static let extensionPattern: String = {
        func digits(_ max: Int) -> String { "(\\d{1,\(max)})" }
        let separators = "[ \u{00A0}\\t,]*"
        let afterLabel = "[:\\.\u{FF0E}]?[ \u{00A0}\\t,-]*"
        let explicit = "(?:e?xt(?:ensi(?:o\u{0301}?|\u{00F3}))?n?|\u{FF45}?\u{FF58}\u{FF54}\u{FF4E}?|\u{0434}\u{043E}\u{0431}|anexo)"
        let ambiguous = "(?:[x\u{FF58}#\u{FF03}~\u{FF5E}]|int|\u{FF49}\u{FF4E}\u{FF54})"
        return [
            ";ext=" + digits(20),
            separators + explicit + afterLabel + digits(20) + "#?",
            separators + ambiguous + afterLabel + digits(9) + "#?",
            "[- ]+" + digits(6) + "#",
            "[ \u{00A0}\\t]*(?:,{2}|;)" + afterLabel + digits(15) + "#?",
            "[ \u{00A0}\\t]*(?:,)+" + afterLabel + digits(9) + "#?",
        ].joined(separator: "|")
    }()

    private static let viableNumber = try! NSRegularExpression(
        pattern: "^(?:\\d{\(minNationalLength)}|[+\u{FF0B}]*(?:[\(punctuation)*]*\\d){3,}[\(punctuation)*A-Za-z\\d]*)(?:\(extensionPattern))?\\z",
        options: .caseInsensitive)

    private static let trailingExtension = try! NSRegularExpression(pattern: "(?:\(extensionPattern))$", options: .caseInsensitive)

    /// At least three digits among phone punctuation (or two digits alone), letters allowed.
    static func isViable(_ number: String) -> Bool {
        number.unicodeScalars.count >= minNationalLength
            && viableNumber.firstMatch(in: number, range: NSRange(number.startIndex..., in: number)) != nil
    }

    /// Takes an extension off the end of `number` and returns its digits ("" if none).
    static func stripExtension(_ number: inout String) -> String {
        guard let m = trailingExtension.firstMatch(in: number, range: NSRange(number.startIndex..., in: number)),
              let start = Range(m.range, in: number)?.lowerBound,
              isViable(String(number[..<start]))
        else { return "" }
        for group in 1..<m.numberOfRanges {
            if let r = Range(m.range(at: group), in: number) {
                let digits = String(number[r])
                number = String(number[..<start])
                return digits
            }
        }
        return ""
    }

    /// Digits only, as ASCII; with three or more letters, letters become keypad digits ("1-800-FLOWERS").
    static func normalize(_ number: String) -> String {
        let letters = number.unicodeScalars.lazy.filter { $0.isASCII && $0.properties.isAlphabetic }.count
        var out = String.UnicodeScalarView()
        if letters >= 3 {
            for s in number.unicodeScalars where s.isASCII {
                if let d = keypadDigit(s) { out.append(d) }
            }
        } else {
            for s in number.unicodeScalars {
                if isDecimalDigit(s), let v = s.properties.numericValue {
                    out.append(Unicode.Scalar(UInt8(ascii: "0") + UInt8(v)))
                }
            }
        }
        return String(out)
    }

    /// ITU E.161: ABC 2, DEF 3, GHI 4, JKL 5, MNO 6, PQRS 7, TUV 8, WXYZ 9.
    private static func keypadDigit(_ s: Unicode.Scalar) -> Unicode.Scalar? {
        let v = UInt8(s.value)
        switch v {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return s
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return keypadDigit(Unicode.Scalar(v - 32))
        case UInt8(ascii: "A")...UInt8(ascii: "Z"):
            let keys: [UInt8] = Array("22233344455566677778889999".utf8)
            return Unicode.Scalar(keys[Int(v - UInt8(ascii: "A"))])
        default: return nil
        }
    }
}
