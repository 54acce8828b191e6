import Foundation
import Testing
@testable import PhoneNumbers

/// Answers of the reference implementation (Python `phonenumbers`, the same metadata) for every region's
/// example fixed-line, mobile and toll-free numbers, written nationally, internationally, with dashes,
/// with the region's international prefix and cut short; plus awkward input. Goldens.json comes from
/// scripts/phone-metadata/generate.py.
struct ReferenceTests {
    struct Case: Decodable {
        let input: String
        let defaultCountry: String
        let error: String?
        let countryCode: Int?
        let national: UInt64?
        let internationalFormatted: String?
        let nationalFormatted: String?
        let valid: Bool?
    }

    struct Goldens: Decodable {
        let phonenumbers: String
        let cases: [Case]
    }

    static let goldens: Goldens = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Goldens.json")
        return try! JSONDecoder().decode(Goldens.self, from: Data(contentsOf: url))
    }()

    @Test func theMetadataIsTheGoldensOwnVersion() {
        #expect(PhoneNumberMetadata.shared.version == Self.goldens.phonenumbers)
        #expect(PhoneNumberMetadata.shared.regions.count > 240)
    }

    @Test func everyGoldenCaseGivesTheReferenceAnswer() {
        var failures: [String] = []
        for c in Self.goldens.cases {
            let region = c.defaultCountry.isEmpty ? nil : c.defaultCountry
            let got: String
            do {
                let n = try PhoneNumber.parse(c.input, defaultRegion: region)
                got = "\(n.countryCode) \(n.nationalNumber) [\(n.formatted(.international))] [\(n.formatted(.national))] \(n.isValid)"
            } catch {
                got = "error \(error)"
            }
            let want = c.error.map { "error \($0)" }
                ?? "\(c.countryCode!) \(c.national!) [\(c.internationalFormatted!)] [\(c.nationalFormatted!)] \(c.valid!)"
            if got != want { failures.append("\(c.input) (\(c.defaultCountry)): got \(got), want \(want)") }
        }
        #expect(failures.isEmpty, "\(failures.count) of \(Self.goldens.cases.count):\n\(failures.prefix(40).joined(separator: "\n"))")
        #expect(Self.goldens.cases.count > 3000)
    }
}
