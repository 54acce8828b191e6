import JSON
/// The CLIP fast tokenizer's normaliser, as a list of steps read from tokenizer.json
/// (CLIPConverter writes Sequence[NFC, Replace(`\s+` -> " "), Lowercase]). The steps run in file order.
struct CLIPNormalizer {
    enum Step: Equatable {
        case nfc
        case collapseWhitespace      // Replace(Regex "\s+", " ")
        case lowercase
    }

    let steps: [Step]

    /// What transformers' CLIPConverter builds when only vocab.json + merges.txt exist.
    static let clipDefault = CLIPNormalizer(steps: [.nfc, .collapseWhitespace, .lowercase])

    init(steps: [Step]) { self.steps = steps }

    /// Parses a tokenizer.json `normalizer`; anything other than the steps above is refused with an error
    /// rather than silently giving different ids.
    init(json: JSONValue?, path: String) throws {
        guard let json, !json.isNull else { steps = []; return }
        var out: [Step] = []
        func add(_ n: JSONValue) throws {
            let type = n["type"]?.string ?? ""
            switch type {
            case "Sequence":
                for child in n["normalizers"]?.array ?? [] { try add(child) }
            case "NFC":
                out.append(.nfc)
            case "Lowercase":
                out.append(.lowercase)
            case "Replace":
                let regex = n["pattern"]?["Regex"]?.string
                let content = n["content"]?.string
                guard regex == "\\s+", content == " " else {
                    throw TokenizerError.unsupported(path: path, what: "Replace normalizer \(n)")
                }
                out.append(.collapseWhitespace)
            default:
                throw TokenizerError.unsupported(path: path, what: "normalizer type \(type)")
            }
        }
        try add(json)
        steps = out
    }

    func apply(_ input: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var s = input
        for step in steps {
            switch step {
            case .nfc:
                s = UnicodeClass.nfc(s)
            case .lowercase:
                s = UnicodeClass.lowercased(s)
            case .collapseWhitespace:
                var out: [Unicode.Scalar] = []
                out.reserveCapacity(s.count)
                var inSpace = false
                for c in s {
                    if UnicodeClass.isWhitespace(c) {
                        if !inSpace { out.append(" ") }
                        inSpace = true
                    } else {
                        out.append(c)
                        inSpace = false
                    }
                }
                s = out
            }
        }
        return s
    }
}
