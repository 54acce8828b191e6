import Database
import Foundation

/// A class's `moduleConfig["multi2vec-clip"]`: which fields are texts and images, and their weights.
///
///     {"imageFields": ["image"], "textFields": ["name"], "weights": {"imageFields": [0.3], "textFields": [0.7]}}
struct CLIPClassSettings: Equatable {
    var textFields: [String] = []
    var imageFields: [String] = []
    /// Per field, in field order; nil when the config has no weights at all (plain mean).
    var textWeights: [Float]?
    var imageWeights: [Float]?

    /// Validates as Weaviate 1.19 does (`class_settings.go`), in the same order and with the same
    /// messages; the Database prefixes them with `module 'multi2vec-clip': `.
    init(validating config: JSONValue?) throws {
        let object = config?.objectValue ?? [:]
        let images = object["imageFields"], texts = object["textFields"]
        if images == nil && texts == nil {
            throw ModuleConfigError("textFields or imageFields setting needs to be present")
        }
        if let images {
            imageFields = try Self.fields("image", images)
            imageWeights = try Self.weights("image", object, count: imageFields.count)
        }
        if let texts {
            textFields = try Self.fields("text", texts)
            textWeights = try Self.weights("text", object, count: textFields.count)
        }
        // With weights for one kind only, the other kind's fields weigh 1 each ("equal-weighted").
        if textWeights != nil || imageWeights != nil {
            textWeights = textWeights ?? Array(repeating: 1, count: textFields.count)
            imageWeights = imageWeights ?? Array(repeating: 1, count: imageFields.count)
        }
    }

    private static func fields(_ kind: String, _ value: JSONValue) throws -> [String] {
        guard let list = value.arrayValue else { throw ModuleConfigError("\(kind)Fields must be an array") }
        if list.isEmpty { throw ModuleConfigError("must contain at least one \(kind) field name in \(kind)Fields") }
        return try list.map { item in
            guard let name = item.stringValue else { throw ModuleConfigError("\(kind)Field must be a string") }
            if name.isEmpty { throw ModuleConfigError("\(kind)Field values cannot be empty") }
            return name
        }
    }

    private static func weights(_ kind: String, _ object: [String: JSONValue], count: Int) throws -> [Float]? {
        guard let list = object["weights"]?.objectValue?["\(kind)Fields"]?.arrayValue else { return nil }
        if list.count != count { throw ModuleConfigError("weights.\(kind)Fields does not equal number of \(kind)Fields") }
        return try list.map { entry in
            switch entry {
            case .int(let i): return Float(i)
            case .double(let d): return Float(d)
            case .string(let s):
                guard let d = Double(s.trimmingCharacters(in: .whitespaces)) else {
                    throw ModuleConfigError("strconv.ParseFloat: parsing \"\(s)\": invalid syntax")
                }
                return Float(d)
            default:
                throw ModuleConfigError("Unrecognized weight entry type: \(Self.goTypeName(entry))")
            }
        }
    }

    /// The Go type name Weaviate prints for an unexpected JSON value.
    private static func goTypeName(_ value: JSONValue) -> String {
        switch value {
        case .null: return "<nil>"
        case .bool: return "bool"
        case .array: return "[]interface {}"
        case .object: return "map[string]interface {}"
        default: return "string"
        }
    }

    var vectorizedFields: Set<String> { Set(textFields).union(imageFields) }
}
